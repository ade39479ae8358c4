#!/usr/bin/env bash
# Checks a built Windows installer (called by scripts/build-windows.sh):
#   check-installer.sh RINGSIDE.NSI STAGED_FILES_DIR INSTALLER.EXE MAX_BYTES
# Fails, saying why, if:
#   - an exe or DLL staged imports a DLL that is neither Windows' own nor staged;
#   - the installer holds other files than the .nsi's File lines (plus its uninstaller);
#   - the installer is MAX_BYTES or more;
#   - a silent install under Wine misses a file, the Start-menu shortcut or an HKCU
#     entry, or the silent uninstall (history kept) leaves them behind.
set -euo pipefail
NSI=$1 STAGE=$2 INSTALLER=$3 MAX_BYTES=$4
fail() { echo "windows installer check: $*" >&2; exit 1; }

# Windows' own DLLs that a Rust, Tauri or WebView2 program may import; the
# api-ms-win-* API sets are Windows' too.
SYSTEM_DLLS="advapi32 bcrypt bcryptprimitives combase comctl32 comdlg32 crypt32 dwmapi gdi32
gdiplus imm32 kernel32 msimg32 msvcrt ntdll ole32 oleaut32 propsys rpcrt4 secur32
setupapi shell32 shlwapi user32 userenv uxtheme version winmm ws2_32 dbghelp
iphlpapi ktmw32 ncrypt powrprof uiautomationcore usp10 windowscodecs winspool.drv wtsapi32"

shipped=$(ls "$STAGE" | tr '[:upper:]' '[:lower:]')
for bin in "$STAGE"/*.exe "$STAGE"/*.dll; do
  [ -e "$bin" ] || continue
  for dll in $(x86_64-w64-mingw32-objdump -p "$bin" | sed -n 's/^\s*DLL Name: //p' \
      | tr '[:upper:]' '[:lower:]' | sort -u); do
    base=${dll%.dll}
    case " $(echo $SYSTEM_DLLS) " in *" $base "*|*" $dll "*) continue ;; esac
    case "$dll" in api-ms-win-*) continue ;; esac
    echo "$shipped" | grep -qx "$dll" && continue
    fail "$(basename "$bin") imports $dll, which is neither a Windows DLL nor in the installer"
  done
done

# What the .nsi says it installs: its File lines, and the uninstaller it writes.
expected=$( { sed -n 's/^\s*File "\${SRCDIR}\\\(.*\)"\s*$/\1/p' "$NSI"
              sed -n 's/^\s*WriteUninstaller "\$INSTDIR\\\(.*\)"\s*$/\1/p' "$NSI"; } | sort)
actual=$(7z l -ba -slt "$INSTALLER" | sed -n 's/^Path = //p' | grep -v '^\$PLUGINSDIR/' | sort)
staged=$(ls "$STAGE" | sort)
[ "$expected" = "$actual" ] || fail "the installer holds
$actual
but $NSI says
$expected"
[ "$(echo "$expected" | grep -vx uninstall.exe)" = "$staged" ] \
  || fail "the staged files ($staged) are not the .nsi's File lines"

size=$(stat -c %s "$INSTALLER")
[ "$size" -lt "$MAX_BYTES" ] || fail "the installer is $size bytes, over the $MAX_BYTES limit"

# A silent install and uninstall in a throw-away Wine prefix and home (Wine would
# otherwise put menu entries and the desktop shortcut in the real home).
SANDBOX=$(mktemp -d)
export HOME=$SANDBOX/home WINEPREFIX=$SANDBOX/prefix WINEDEBUG=-all \
       WINEDLLOVERRIDES="winemenubuilder.exe=d" XDG_DATA_HOME=$SANDBOX/home/.local/share \
       XDG_CONFIG_HOME=$SANDBOX/home/.config
mkdir -p "$HOME"
trap 'wineserver -k >/dev/null 2>&1 || true; rm -rf "$SANDBOX"' EXIT
wineboot -i >/dev/null 2>&1 || fail "Wine could not create a prefix in $WINEPREFIX"
wine "$INSTALLER" /S || fail "the silent install under Wine exited with $?"
wineserver -w
user=$(ls "$WINEPREFIX/drive_c/users" | grep -vx Public | head -1)
APPDIR=$WINEPREFIX/drive_c/users/$user/AppData/Local/Programs/Ringside
LNK="$WINEPREFIX/drive_c/users/$user/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Ringside.lnk"
for f in $expected; do [ -f "$APPDIR/$f" ] || fail "the install did not put $f in $APPDIR"; done
[ -f "$LNK" ] || fail "the install made no Start-menu shortcut"
wineserver -k >/dev/null 2>&1 || true
for key in 'Software\\\\Classes\\\\tel\\\\shell\\\\open\\\\command' \
           'Software\\\\Classes\\\\sip\\\\shell\\\\open\\\\command' \
           'Software\\\\Classes\\\\AppUserModelId\\\\app.ringside.desktop' \
           'Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Uninstall\\\\Ringside'; do
  grep -q "^\[$key\]" "$WINEPREFIX/user.reg" || fail "the install did not write HKCU\\$key"
done
# _?= keeps the uninstaller in place so Wine waits for it.
wine "$APPDIR/uninstall.exe" /S "_?=C:\\users\\$user\\AppData\\Local\\Programs\\Ringside" \
  || fail "the silent uninstall under Wine exited with $?"
wineserver -k >/dev/null 2>&1 || true
[ ! -e "$APPDIR/ringside-app.exe" ] || fail "the uninstall left ringside-app.exe"
[ ! -e "$LNK" ] || fail "the uninstall left the Start-menu shortcut"
! grep -q '^\[Software\\\\Classes\\\\tel\]' "$WINEPREFIX/user.reg" \
  || fail "the uninstall left the tel: handler"
echo "windows installer check: imports, file list, size ($size bytes), install and uninstall under Wine: ok"
