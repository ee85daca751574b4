/* Entry of +epyr/eprload.mex: epyr.eprload(file, scaling) runs here directly (the MEX file
 * takes precedence over +epyr/eprload.m, which holds the help text), which saves the call of
 * an .m function in between: most of the time of a cache hit. */
#include "epyr_mex.h"

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    emx_register_exit();
    emx_cmd_eprload(nlhs, plhs, nrhs, prhs);
}
