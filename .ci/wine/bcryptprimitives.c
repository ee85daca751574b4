/* A stand-in for bcryptprimitives.dll, which Debian's Wine 8.0 lacks: every program built by
 * Rust 1.78 or later imports ProcessPrng from it (random seeds), and without it exits with
 * status 53 before main. This one fills the buffer from advapi32's RtlGenRandom
 * (SystemFunction036). Built with MinGW and copied into the Wine prefix by .ci/windows; never
 * shipped with epyr. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
