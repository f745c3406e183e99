; Story Studio installer for Windows (NSIS 3, Unicode).
;
;   makensis -DVERSION=0.1.0 -DDIST=../dist/studio ^
;            -DOUTFILE=../dist/StoryStudio-0.1.0-setup.exe packaging/windows/studio.nsi
; Relative paths are taken from packaging/windows (makensis works in the
; script's folder); forward slashes work on Windows and elsewhere.
;
; Installs the PyInstaller folder into Program Files, adds a Start menu entry,
; and registers an uninstaller in Programs and Features. Silent install:
; `StoryStudio-<version>-setup.exe /S [/D=C:\path]`; silent removal:
; `Uninstall.exe /S`.

Unicode true
ManifestDPIAware true
SetCompressor /SOLID lzma

!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "x64.nsh"

!define /ifndef VERSION "0.0.0"
!define /ifndef VERSION_QUAD "${VERSION}.0"
!define /ifndef DIST "../dist/studio"
!define /ifndef OUTFILE "../dist/StoryStudio-${VERSION}-setup.exe"
!define /ifndef ICON "../../assets/org.storystudio.StoryStudio.ico"

!define APP_NAME "Story Studio"
!define APP_KEY "StoryStudio"
!define PUBLISHER "Story Studio authors"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_KEY}"
!define SETTINGS_KEY "Software\${APP_KEY}"
; a shared book is NAME.storybook.zip; Windows types files by their last extension, so
; the studio is offered in "Open with" for .zip files rather than taking .zip over
!define BOOK_PROGID "StoryStudio.Book"
!define BOOK_CLASS "Software\Classes\${BOOK_PROGID}"

Name "${APP_NAME}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APP_NAME}"
InstallDirRegKey HKLM "${SETTINGS_KEY}" "InstallDir"
RequestExecutionLevel admin
BrandingText "${APP_NAME} ${VERSION}"

VIProductVersion "${VERSION_QUAD}"
VIAddVersionKey /LANG=1033 "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=1033 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "FileDescription" "${APP_NAME} installer"
VIAddVersionKey /LANG=1033 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=1033 "LegalCopyright" "${PUBLISHER}, MIT licence"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_NOAUTOCLOSE

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Function .onInit
    ${IfNot} ${RunningX64}
        MessageBox MB_ICONSTOP "${APP_NAME} needs a 64-bit version of Windows."
        Abort
    ${EndIf}
    SetRegView 64
    SetShellVarContext all
FunctionEnd

Function un.onInit
    SetRegView 64
    SetShellVarContext all
FunctionEnd

Section "Story Studio" SecApp
    SectionIn RO
    SetOutPath "$INSTDIR"
    ; an update replaces the bundle whole, so no stale library survives
    RMDir /r "$INSTDIR\_internal"
    File /r "${DIST}/*"
    WriteUninstaller "$INSTDIR\Uninstall.exe"

    CreateShortcut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\studio.exe" "" "$INSTDIR\studio.exe" 0

    WriteRegStr HKLM "${SETTINGS_KEY}" "InstallDir" "$INSTDIR"
    WriteRegStr HKLM "${BOOK_CLASS}" "" "Story Studio book"
    WriteRegStr HKLM "${BOOK_CLASS}\DefaultIcon" "" "$INSTDIR\studio.exe,0"
    WriteRegStr HKLM "${BOOK_CLASS}\shell\open\command" "" '"$INSTDIR\studio.exe" "%1"'
    WriteRegStr HKLM "Software\Classes\.zip\OpenWithProgids" "${BOOK_PROGID}" ""
    WriteRegStr HKLM "Software\Classes\Applications\studio.exe\shell\open\command" "" '"$INSTDIR\studio.exe" "%1"'
    System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
    WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
    WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
    WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
    WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\studio.exe,0"
    WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
    WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
    WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /S'
    WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
    WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
    ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
    IntFmt $0 "0x%08X" $0
    WriteRegDWORD HKLM "${UNINSTALL_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "Uninstall"
    Delete "$SMPROGRAMS\${APP_NAME}.lnk"
    ; only what the installer put there: never a recursive delete of $INSTDIR,
    ; which a person may have pointed at a folder holding other things
    RMDir /r "$INSTDIR\_internal"
    Delete "$INSTDIR\studio.exe"
    Delete "$INSTDIR\studio-cli.exe"
    Delete "$INSTDIR\Uninstall.exe"
    RMDir "$INSTDIR"

    DeleteRegKey HKLM "${UNINSTALL_KEY}"
    DeleteRegKey HKLM "${SETTINGS_KEY}"
    DeleteRegKey HKLM "${BOOK_CLASS}"
    DeleteRegValue HKLM "Software\Classes\.zip\OpenWithProgids" "${BOOK_PROGID}"
    DeleteRegKey HKLM "Software\Classes\Applications\studio.exe"
    System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
    ; books and settings live in the user's own folders and are kept
SectionEnd
