#!/usr/bin/env bash
# Installs everything Ringside needs to build, run and test on Debian 12:
# system packages (Tauri's WebKitGTK stack, the test display, D-Bus, keyring,
# notification daemon, Chromium, mingw-w64 and Wine for the Windows build),
# Radicale (a CardDAV server) for the address book tests,
# Rust's standard library for Windows, and the npm packages of the UI.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PKGS=(
  # Tauri v2 build
  build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev libsoup-3.0-dev
  libayatana-appindicator3-dev librsvg2-dev libxdo-dev
  # display and WebDriver for the end-to-end test
  xvfb xauth webkit2gtk-driver
  # session bus, keyring, notifications
  dbus dbus-x11 at-spi2-core gnome-keyring libsecret-1-dev dunst
  # UI tests and screenshots; the fonts for Chinese text and for emoji in a
  # caller's text (without them CJK and emoji show as empty boxes)
  chromium imagemagick fonts-noto-cjk fonts-noto-color-emoji
  # office mode's tests start their own Mosquitto on a free loopback port
  # (the package's own service on 1883 is not used); the app's office-mode
  # end-to-end test makes the broker's self-signed certificate with openssl
  mosquitto openssl
  # the directory's LDAP tests start their own OpenLDAP slapd on a free
  # loopback port (the package's own service is not used)
  slapd ldap-utils
  # Windows: the cross linker, Wine to run the tests, the installer's tools
  gcc-mingw-w64-x86-64 wine wine64 nsis p7zip-full
  # misc
  curl ca-certificates procps
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The Windows build and its tests under Wine (scripts/test-windows.sh) need Rust's
# standard library for the target; rustup is the only place it comes from.
WIN_TARGET=x86_64-pc-windows-gnu
if ! rustup target list --installed 2>/dev/null | grep -qx "$WIN_TARGET"; then
  echo "setup: adding Rust's standard library for $WIN_TARGET"
  rustup target add "$WIN_TARGET" || {
    echo "rustup could not add the $WIN_TARGET target: the Windows build and its tests need it; check this machine can reach static.rust-lang.org" >&2
    exit 1
  }
fi

if [ -f ui/package.json ]; then
  if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    # `npm install` follows package-lock.json like `npm ci`, but tolerates the lock's
    # missing entries for other platforms' optional rollup binaries, which `npm ci`
    # (npm 11) rejects as "not in sync".
    (cd ui && npm install --no-audit --no-fund)
  fi
fi

# The CardDAV tests and bench start a real Radicale (PyPI) on a free loopback
# port. It lives in a virtualenv of its own under the user's cache, pinned;
# the tests find it through RINGSIDE_RADICALE (scripts/test.sh exports it)
# or at this same path.
RADICALE_VERSION=3.9.0
RADICALE_VENV="${XDG_CACHE_HOME:-$HOME/.cache}/ringside/radicale-$RADICALE_VERSION"
if [ ! -x "$RADICALE_VENV/bin/radicale" ]; then
  echo "setup: installing Radicale $RADICALE_VERSION into $RADICALE_VENV"
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-venv
  fi
  rm -rf "$RADICALE_VENV"
  python3 -m venv "$RADICALE_VENV"
  "$RADICALE_VENV/bin/pip" install -q "radicale==$RADICALE_VERSION"
fi
