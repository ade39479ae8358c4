/*
 * Test-only stand-in for bcryptprimitives.dll, which Debian 12's Wine 8.0 lacks.
 *
 * Rust's standard library (1.78 and later) imports ProcessPrng from
 * bcryptprimitives.dll on Windows; without it every Rust exe fails to start
 * under Wine 8.0. This DLL is copied beside the test exes by
 * tests/windows/wine-runner.sh and forwards to advapi32's SystemFunction036
 * (RtlGenRandom), which Wine serves. It is never shipped: Windows 10 and 11
 * have the real DLL.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    /* RtlGenRandom takes a ULONG: fill large requests in pieces. */
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
