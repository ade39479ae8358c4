#!/usr/bin/env bash
# Checks a built Windows installer (called by scripts/build-windows.sh):
#   check-installer.sh RINGSIDE.NSI STAGED_FILES_DIR INSTALLER.EXE MAX_BYTES
# Fails, saying why, if:
#   - an exe or DLL staged imports a DLL that is neither Windows' own nor staged;
#   - the installer holds other files than the .nsi's File lines (plus its uninstaller);
#   - the installer is MAX_BYTES or more;
#   - a silent install under Wine misses a file, the Start-menu shortcut or an HKCU
#     entry, or makes the desktop shortcut or Run value it was not asked for;
#   - the installed app, started under Wine (which has no WebView2), does not stop
#     with exit status 3 and a plain-words message naming the WebView2 Runtime
#     (RINGSIDE_NO_MESSAGE_BOX=1 puts the message box's text on stderr), in
#     stderr and in its log;
#   - the silent uninstall leaves the files, shortcut or HKCU entries behind, or
#     does not keep the history (%APPDATA%\ringside\ringside);
#   - a second silent install with /DESKTOP /AUTOSTART makes no desktop shortcut or
#     no HKCU Run value pointing at the exe, or does not set the AppUserModelID on
#     the shortcuts (read from the .lnk; Wine 8.0's shell does not store it there,
#     so then from Wine's trace of the installer's IPropertyStore::SetValue calls);
#   - the uninstall with /REMOVEHISTORY leaves the history, the desktop shortcut or
#     the Run value.
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

# Silent installs and uninstalls in a throw-away Wine prefix and home (Wine would
# otherwise put menu entries and the desktop shortcut in the real home).
HERE=$(cd "$(dirname "$0")" && pwd)
SANDBOX=$(mktemp -d)
export HOME=$SANDBOX/home WINEPREFIX=$SANDBOX/prefix WINEDEBUG=-all \
       WINEDLLOVERRIDES="winemenubuilder.exe=d" XDG_DATA_HOME=$SANDBOX/home/.local/share \
       XDG_CONFIG_HOME=$SANDBOX/home/.config
mkdir -p "$HOME"
trap 'wineserver -k >/dev/null 2>&1 || true; rm -rf "$SANDBOX"' EXIT
wineboot -i >/dev/null 2>&1 || fail "Wine could not create a prefix in $WINEPREFIX"
user=$(ls "$WINEPREFIX/drive_c/users" | grep -vx Public | head -1)
HOMEDIR=$WINEPREFIX/drive_c/users/$user
APPDIR=$HOMEDIR/AppData/Local/Programs/Ringside
WIN_APPDIR="C:\\users\\$user\\AppData\\Local\\Programs\\Ringside"
LNK="$HOMEDIR/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Ringside.lnk"
DESKTOP_LNK=$HOMEDIR/Desktop/Ringside.lnk
HISTORY=$HOMEDIR/AppData/Roaming/ringside/ringside
AUMID=$(sed -n 's/^!define AUMID "\(.*\)"\s*$/\1/p' "$NSI")
[ -n "$AUMID" ] || fail "no AUMID define in $NSI"

# A value under HKCU as Wine saved it in user.reg (after wineserver -k):
# reg_value 'Software\\\\Microsoft\\\\...\\\\Run' Ringside  →  "\"C:\\...\""
reg_value() {
  awk -v key="[$1]" -v name="\"$2\"=" '
    index($0, key) == 1 { inside = 1; next }
    /^\[/ { inside = 0 }
    inside && index($0, name) == 1 { print substr($0, length(name) + 1); found = 1 }
    END { exit !found }' "$WINEPREFIX/user.reg"
}
RUN_KEY='Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run'
# uninstall [OPTIONS...]: _?= keeps the uninstaller in place so Wine waits for it.
uninstall() {
  wine "$APPDIR/uninstall.exe" /S "$@" "_?=$WIN_APPDIR" \
    || fail "the silent uninstall $* under Wine exited with $?"
  wineserver -k >/dev/null 2>&1 || true
  [ ! -e "$APPDIR/ringside-app.exe" ] || fail "the uninstall $* left ringside-app.exe"
  [ ! -e "$LNK" ] || fail "the uninstall $* left the Start-menu shortcut"
  [ ! -e "$DESKTOP_LNK" ] || fail "the uninstall $* left the desktop shortcut"
  ! grep -q '^\[Software\\\\Classes\\\\tel\]' "$WINEPREFIX/user.reg" \
    || fail "the uninstall $* left the tel: handler"
  ! reg_value "$RUN_KEY" Ringside >/dev/null || fail "the uninstall $* left the Run value"
}

# 1. The plain silent install: the app, its Start-menu entry, the links; no
#    desktop shortcut or Run value, since neither was asked for.
wine "$INSTALLER" /S || fail "the silent install under Wine exited with $?"
wineserver -w
for f in $expected; do [ -f "$APPDIR/$f" ] || fail "the install did not put $f in $APPDIR"; done
[ -f "$LNK" ] || fail "the install made no Start-menu shortcut"
[ ! -e "$DESKTOP_LNK" ] || fail "the silent install made a desktop shortcut without /DESKTOP"
wineserver -k >/dev/null 2>&1 || true
for key in 'Software\\\\Classes\\\\tel\\\\shell\\\\open\\\\command' \
           'Software\\\\Classes\\\\sip\\\\shell\\\\open\\\\command' \
           'Software\\\\Classes\\\\AppUserModelId\\\\app.ringside.desktop' \
           'Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Uninstall\\\\Ringside'; do
  grep -q "^\[$key\]" "$WINEPREFIX/user.reg" || fail "the install did not write HKCU\\$key"
done
! reg_value "$RUN_KEY" Ringside >/dev/null \
  || fail "the silent install wrote the Run value without /AUTOSTART"

# 2. The installed app under Wine, which has no WebView2: it must stop at once and
#    say why in plain words (stderr stands in for the message box), not hang or
#    exit silently. The test-only bcryptprimitives.dll goes beside it for the run.
shim=$SANDBOX/bcryptprimitives.dll
x86_64-w64-mingw32-gcc -shared -O2 -o "$shim" "$HERE/../../tests/windows/bcryptprimitives.c" \
  "$HERE/../../tests/windows/bcryptprimitives.def" -ladvapi32
status=0
RINGSIDE_NO_MESSAGE_BOX=1 RINGSIDE_WINE_SHIM=$shim timeout 120 \
  bash "$HERE/../../tests/windows/wine-runner.sh" "$APPDIR/ringside-app.exe" \
  >"$SANDBOX/app.out" 2>"$SANDBOX/app.err" || status=$?
rm -f "$APPDIR/bcryptprimitives.dll"
wineserver -k >/dev/null 2>&1 || true
said() { echo "--- stderr:"; cat "$SANDBOX/app.err"; echo "--- log:"; cat "$HISTORY/data/ringside.log" 2>/dev/null; }
[ "$status" = 3 ] || fail "without WebView2 the app exited with $status, not 3 (EXIT_NO_WEBVIEW2)
$(said)"
grep -q 'needs the Microsoft Edge WebView2 Runtime' "$SANDBOX/app.err" \
  && grep -q 'go.microsoft.com/fwlink/p/?LinkId=2124703' "$SANDBOX/app.err" \
  || fail "without WebView2 the app's message does not say what is missing and where to get it
$(said)"
grep -q 'the Microsoft Edge WebView2 Runtime is not installed' "$HISTORY/data/ringside.log" \
  || fail "without WebView2 the app's log does not say so
$(said)"

# 3. The default silent uninstall keeps the history (the app's start above made
#    its data dir; a history database stands in for the calls).
echo "not a real database" >"$HISTORY/data/history.db"
uninstall
[ -f "$HISTORY/data/history.db" ] || fail "the silent uninstall removed the history without /REMOVEHISTORY"

# 4. A silent install with the options: the desktop shortcut and the Run value,
#    both shortcuts with the AppUserModelID. Wine 8.0's shell link takes the ID
#    through IPropertyStore::SetValue but does not store it (a stub that logs a
#    fixme), so when the .lnk does not hold it, the fixme lines show the installer
#    made the call for each shortcut.
WINEDEBUG=-all,fixme+shell wine "$INSTALLER" /S /DESKTOP /AUTOSTART 2>"$SANDBOX/install2.err" \
  || fail "the silent install /DESKTOP /AUTOSTART under Wine exited with $?"
wineserver -w
[ -f "$LNK" ] || fail "the install /DESKTOP /AUTOSTART made no Start-menu shortcut"
[ -f "$DESKTOP_LNK" ] || fail "the install /DESKTOP made no desktop shortcut"
wineserver -k >/dev/null 2>&1 || true
run=$(reg_value "$RUN_KEY" Ringside) || fail "the install /AUTOSTART wrote no HKCU Run value"
want=$(printf '"\\"%s\\\\ringside-app.exe\\""' "${WIN_APPDIR//\\/\\\\}")
[ "$run" = "$want" ] || fail "the Run value is $run, not $want"
if strings -el "$LNK" | grep -qxF "$AUMID" && strings -el "$DESKTOP_LNK" | grep -qxF "$AUMID"; then
  aumid="stored on both .lnk"
else
  calls=$(grep -c 'propertystore_SetValue.*stub' "$SANDBOX/install2.err" || true)
  [ "$calls" -ge 2 ] || fail "the install did not set the AppUserModelID on its two shortcuts (not in the .lnk, and $calls IPropertyStore::SetValue calls)"
  aumid="set on both .lnk through IPropertyStore (Wine 8.0 does not store it: its SetValue is a stub)"
fi

# 5. The uninstall with /REMOVEHISTORY removes the history too.
uninstall /REMOVEHISTORY
[ ! -e "$HISTORY" ] || fail "the uninstall /REMOVEHISTORY left $HISTORY"

echo "windows installer check: imports, file list, size ($size bytes); under Wine: silent install,"
echo "  the app's stop without WebView2 (status 3, said on stderr and in its log), uninstall keeping"
echo "  the history, install /DESKTOP /AUTOSTART (desktop shortcut, Run value; AUMID $aumid),"
echo "  uninstall /REMOVEHISTORY: ok"
