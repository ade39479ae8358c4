; Ringside's Windows installer, built on Debian by scripts/build-windows.sh with
; Debian's makensis 3.08 (no plug-in beyond those NSIS ships, nothing downloaded).
;
; Per user, no admin rights: the app goes to %LOCALAPPDATA%\Programs\Ringside and
; every registry entry under HKCU. Installs:
;   - ringside-app.exe and WebView2Loader.dll (the FILES below; the build checks
;     the installer's file list against them);
;   - a Start-menu shortcut carrying the AppUserModelID, and the same ID
;     registered under HKCU so Windows shows Ringside's notifications;
;   - optionally a desktop shortcut and a "start with Windows" Run entry;
;   - the tel: and sip: link handlers;
;   - an uninstaller that asks whether to keep the call history.
; Ringside needs Microsoft's WebView2 runtime (Windows 11 has it; most Windows 10
; PCs got it with Edge): when it is missing the installer says so and where to get it,
; and so does the app at each start (src-tauri/src/windows_start.rs reads the same keys).
;
; For admins who deploy it silently (each user runs it; no admin rights needed):
;   Ringside-<version>-setup.exe /S [/DESKTOP] [/AUTOSTART]
;     /S          no questions; only the app, its Start-menu entry and the links,
;                 unless asked for:
;     /DESKTOP    the desktop shortcut too;
;     /AUTOSTART  the "start with Windows" Run entry too.
;   Without /S the two options tick those boxes on the components page, where the
;   desktop shortcut is ticked and "start with Windows" not, unless asked.
;   %LOCALAPPDATA%\Programs\Ringside\uninstall.exe /S [/REMOVEHISTORY]
;     /S              no questions; keeps the call history, contacts, notes and
;                     settings, unless
;     /REMOVEHISTORY  deletes them too (without /S: pre-answers the question, No).
; packaging/windows/check-installer.sh tries each of these under Wine.
;
; makensis -DVERSION=0.1.0 -DSRCDIR=<folder with the files> -DOUTFILE=<installer.exe>

Unicode true
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel user

!ifndef VERSION
  !define VERSION "0.1.0"
!endif
!ifndef SRCDIR
  !error "SRCDIR (the folder holding ringside-app.exe and WebView2Loader.dll) is not set"
!endif
!ifndef OUTFILE
  !define OUTFILE "Ringside-${VERSION}-setup.exe"
!endif

!define APP "Ringside"
!define EXE "ringside-app.exe"
; The AppUserModelID: the app's identifier in tauri.conf.json.
!define AUMID "app.ringside.desktop"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Ringside"
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
!define WEBVIEW2_GUID "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
!define WEBVIEW2_URL "https://go.microsoft.com/fwlink/p/?LinkId=2124703"

Name "${APP}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${APP}"
InstallDirRegKey HKCU "Software\${APP}" "InstallDir"
Icon "${SRCDIR}\ringside.ico"
UninstallIcon "${SRCDIR}\ringside.ico"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"
!include "Sections.nsh"

!define MUI_ICON "${SRCDIR}\ringside.ico"
!define MUI_UNICON "${SRCDIR}\ringside.ico"
!define MUI_FINISHPAGE_RUN "$INSTDIR\${EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Start Ringside now"
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${APP}"
VIAddVersionKey "FileDescription" "${APP} installer"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "LegalCopyright" "MIT OR Apache-2.0"

; tel:/sip: links open Ringside with the link (HKCU, so no admin rights).
!macro LinkHandler SCHEME DESC
  WriteRegStr HKCU "Software\Classes\${SCHEME}" "" "URL:${DESC}"
  WriteRegStr HKCU "Software\Classes\${SCHEME}" "URL Protocol" ""
  WriteRegStr HKCU "Software\Classes\${SCHEME}\DefaultIcon" "" "$INSTDIR\ringside.ico"
  WriteRegStr HKCU "Software\Classes\${SCHEME}\shell\open\command" "" '"$INSTDIR\${EXE}" "%1"'
!macroend

; The files, one line each: scripts/build-windows.sh reads these `File` lines and
; compares them with the installer's contents (7z l).
Section "Ringside" SecApp
  SectionIn RO
  SetOutPath "$INSTDIR"
  File "${SRCDIR}\ringside-app.exe"
  File "${SRCDIR}\WebView2Loader.dll"
  File "${SRCDIR}\ringside.ico"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateDirectory "$SMPROGRAMS"
  CreateShortcut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\ringside.ico"
  Push "$SMPROGRAMS\${APP}.lnk"
  Call SetShortcutAumid
  ; Notifications from an app not in the Store: Windows finds its name and icon here.
  WriteRegStr HKCU "Software\Classes\AppUserModelId\${AUMID}" "DisplayName" "${APP}"
  WriteRegStr HKCU "Software\Classes\AppUserModelId\${AUMID}" "IconUri" "$INSTDIR\ringside.ico"

  !insertmacro LinkHandler "tel" "Telephone number"
  !insertmacro LinkHandler "sip" "SIP address"

  WriteRegStr HKCU "Software\${APP}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "Ringside"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\ringside.ico"
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1

  Call CheckWebView2
SectionEnd

Section "Desktop shortcut" SecDesktop
  CreateShortcut "$DESKTOP\${APP}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\ringside.ico"
  Push "$DESKTOP\${APP}.lnk"
  Call SetShortcutAumid
SectionEnd

Section /o "Start Ringside when Windows starts" SecRun
  WriteRegStr HKCU "${RUN_KEY}" "${APP}" '"$INSTDIR\${EXE}"'
SectionEnd

!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecApp} "Ringside itself, its Start-menu entry, and tel: and sip: links."
  !insertmacro MUI_DESCRIPTION_TEXT ${SecDesktop} "An icon on the desktop."
  !insertmacro MUI_DESCRIPTION_TEXT ${SecRun} "Ringside opens by itself when you sign in to Windows."
!insertmacro MUI_FUNCTION_DESCRIPTION_END

; The command line's options (see the top): /DESKTOP and /AUTOSTART select those
; sections; a silent install leaves out the desktop shortcut unless asked.
Function .onInit
  SetShellVarContext current
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/DESKTOP" $R1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${SecDesktop}
  ${ElseIf} ${Silent}
    !insertmacro UnselectSection ${SecDesktop}
  ${EndIf}
  ClearErrors
  ${GetOptions} $R0 "/AUTOSTART" $R1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${SecRun}
  ${EndIf}
FunctionEnd

; 1 when the uninstaller was started with /REMOVEHISTORY.
Var RemoveHistory

Function un.onInit
  SetShellVarContext current
  StrCpy $RemoveHistory 0
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/REMOVEHISTORY" $R1
  ${IfNot} ${Errors}
    StrCpy $RemoveHistory 1
  ${EndIf}
FunctionEnd

; Sets System.AppUserModel.ID on the shortcut on the stack, so Windows ties the
; app's notifications and taskbar button to it. NSIS has no command for it: the
; shell's own COM objects (IShellLinkW, IPersistFile, IPropertyStore) through the
; System plug-in. A failure leaves a working shortcut without the ID.
Function SetShortcutAumid
  Exch $0 ; the .lnk path
  Push $1
  Push $2
  Push $3
  Push $4
  Push $5
  Push $6
  ; CLSID_ShellLink, IID_IShellLinkW, CLSCTX_INPROC_SERVER
  System::Call 'ole32::CoCreateInstance(g "{00021401-0000-0000-C000-000000000046}", p 0, i 1, g "{000214F9-0000-0000-C000-000000000046}", *p .r1) i .r6'
  ${If} $6 = 0
    ; IPersistFile: Load(path, STGM_READWRITE)
    System::Call '$1->0(g "{0000010b-0000-0000-C000-000000000046}", *p .r2) i .r6'
    ${If} $6 = 0
      System::Call '$2->5(w r0, i 2) i .r6'
      ; IPropertyStore: SetValue(PKEY_AppUserModel_ID, VT_LPWSTR), Commit
      System::Call '$1->0(g "{886D8EEB-8CF2-4446-8D02-CDBA1DBDCF99}", *p .r3) i .r6'
      ${If} $6 = 0
        System::Call '*(g "{9F4C2855-9F79-4B39-A8D0-E1D42DE1D5F3}", i 5) p .r4'
        System::Call '*(w "${AUMID}") p .r5'
        ; PROPVARIANT on x64: vt (VT_LPWSTR = 31), three reserved words, the pointer
        System::Call '*(&i2 31, &i2 0, &i2 0, &i2 0, p r5, p 0) p .r6'
        System::Call '$3->6(p r4, p r6) i .r0'
        System::Call '$3->7() i .r0'
        ; IPersistFile: Save(NULL, TRUE)
        System::Call '$2->6(p 0, i 1) i .r0'
        System::Free $4
        System::Free $5
        System::Free $6
        System::Call '$3->2()'
      ${EndIf}
      System::Call '$2->2()'
    ${EndIf}
    System::Call '$1->2()'
  ${EndIf}
  Pop $6
  Pop $5
  Pop $4
  Pop $3
  Pop $2
  Pop $1
  Pop $0
FunctionEnd

; WebView2 (Microsoft's Edge engine) draws Ringside's windows. Its runtime
; registers a version under EdgeUpdate, per machine or per user.
Function CheckWebView2
  ReadRegStr $0 HKLM "SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    ReadRegStr $0 HKLM "SOFTWARE\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
  ${EndIf}
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    ReadRegStr $0 HKCU "Software\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
  ${EndIf}
  ${If} $0 == ""
  ${OrIf} $0 == "0.0.0.0"
    DetailPrint "Microsoft Edge WebView2 Runtime: not found"
    MessageBox MB_OK|MB_ICONEXCLAMATION "Ringside is installed, but it needs the Microsoft Edge WebView2 Runtime to show its windows, and this computer does not have it.$\r$\n$\r$\nDownload it free from Microsoft at$\r$\n${WEBVIEW2_URL}$\r$\ninstall it, then start Ringside from the Start menu.$\r$\n$\r$\nIf you cannot install programs on this computer, ask whoever looks after it." /SD IDOK
  ${Else}
    DetailPrint "Microsoft Edge WebView2 Runtime: $0"
  ${EndIf}
FunctionEnd

Section "Uninstall"
  SetShellVarContext current
  Delete "$INSTDIR\${EXE}"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\ringside.ico"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${APP}.lnk"
  Delete "$DESKTOP\${APP}.lnk"
  DeleteRegValue HKCU "${RUN_KEY}" "${APP}"
  DeleteRegKey HKCU "Software\Classes\tel"
  DeleteRegKey HKCU "Software\Classes\sip"
  DeleteRegKey HKCU "Software\Classes\AppUserModelId\${AUMID}"
  DeleteRegKey HKCU "${UNINST_KEY}"
  DeleteRegKey HKCU "Software\${APP}"
  ; Settings, call history, contacts and notes live in %APPDATA%\ringside\ringside
  ; (the `directories` crate's place); the window engine's cache under the app's ID.
  ; /REMOVEHISTORY answers No without asking; a silent uninstall otherwise keeps them.
  StrCmp $RemoveHistory 1 remove
  MessageBox MB_YESNO|MB_ICONQUESTION "Keep your call history, contacts, notes and settings?$\r$\n$\r$\nChoose Yes if you may install Ringside again: it will find them. Choose No to delete them from this computer." /SD IDYES IDYES keep
  remove:
    RMDir /r "$APPDATA\ringside\ringside"
    RMDir "$APPDATA\ringside"
    RMDir /r "$LOCALAPPDATA\${AUMID}"
  keep:
SectionEnd
