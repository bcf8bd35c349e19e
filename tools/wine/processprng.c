/*
 * processprng.c - minimal stand-in for Windows' bcryptprimitives.dll.
 *
 * Why: Deno for Windows (via Rust std's random source) imports
 * bcryptprimitives.dll!ProcessPrng, which exists on Windows 10+ but not
 * in Wine 8.0, so deno.exe fails to load under Wine. This DLL exports
 * ProcessPrng and forwards it to RtlGenRandom (exported by advapi32 as
 * SystemFunction036), which Wine implements with the host's CSPRNG.
 *
 * Build (done by tools/wine/setup.sh):
 *   x86_64-w64-mingw32-gcc -shared -O2 -s -nostdlib -Wl,--entry,DllMain \
 *       -o bcryptprimitives.dll processprng.c -ladvapi32
 * (-nostdlib: no C runtime, the only import is advapi32.dll).
 * and copy the result to $WINEPREFIX/drive_c/windows/system32/.
 */
#include <windows.h>

/* RtlGenRandom's real export name is SystemFunction036 (advapi32). */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/*
 * BOOL ProcessPrng(PBYTE pbData, SIZE_T cbData): fill pbData with cbData
 * random bytes. The real one is documented to always return TRUE; we
 * return FALSE if the underlying generator ever fails. RtlGenRandom takes
 * a ULONG length, so large requests are split into chunks.
 */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
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

/* Nothing to initialise; present so the DLL has an explicit entry point. */
BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
    (void)inst; (void)reason; (void)reserved;
    return TRUE;
}
