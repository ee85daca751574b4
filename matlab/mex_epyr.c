/* Entry of epyr_mex.mex: epyr_mex(command, arguments...), called by the +epyr functions. */
#include "epyr_mex.h"

void mexFunction(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    emx_dispatch(nlhs, plhs, nrhs, prhs);
}
