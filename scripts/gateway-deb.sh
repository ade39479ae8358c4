#!/usr/bin/env bash
# Builds the office gateway's own Debian package, ringside-gateway_VERSION_ARCH.deb,
# from a built binary, with dpkg-deb alone (nothing is downloaded):
#   /usr/bin/ringside-gateway
#   /lib/systemd/system/ringside-gateway.service        (packaging/gateway)
#   /usr/share/doc/ringside-gateway/office-mode.md      (docs/office-mode.md)
#   /usr/share/doc/ringside-gateway/examples/           the sample gateway.toml,
#       gateway.credentials.example, mosquitto.conf and ringside.acl
# Its postinst creates the `ringside-gateway` system user the unit runs as,
# if absent, and /etc/ringside; it neither writes a configuration nor starts
# the service (it needs the office's PBX, broker and desks first:
# docs/office-mode.md, "Installing the gateway").
#
#   scripts/gateway-deb.sh BINARY OUTDIR     build the .deb into OUTDIR, print its path
#   scripts/gateway-deb.sh --check BINARY    build it into a temp dir and check what
#                                            it holds (dpkg-deb -I / -c); run by scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

build() {
  local bin=$1 outdir=$2
  [ -x "$bin" ] || { echo "no gateway binary at $bin: build it first (cargo build -p ringside-gateway)" >&2; exit 1; }
  local version arch stage
  version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
  arch=$(dpkg --print-architecture)
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' RETURN
  chmod 0755 "$stage"
  install -D -m 0755 "$bin" "$stage/usr/bin/ringside-gateway"
  install -D -m 0644 packaging/gateway/ringside-gateway.service \
    "$stage/lib/systemd/system/ringside-gateway.service"
  local doc=$stage/usr/share/doc/ringside-gateway
  install -D -m 0644 docs/office-mode.md "$doc/office-mode.md"
  for f in gateway.toml gateway.credentials.example mosquitto.conf ringside.acl; do
    install -D -m 0644 "packaging/gateway/$f" "$doc/examples/$f"
  done
  install -d -m 0755 "$stage/DEBIAN"
  local size
  size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
  cat > "$stage/DEBIAN/control" <<EOF
Package: ringside-gateway
Version: $version
Architecture: $arch
Maintainer: Ringside <ringside@localhost>
Installed-Size: $size
Depends: libc6, passwd
Suggests: mosquitto
Section: net
Priority: optional
Homepage: https://github.com/ringside
Description: Ringside office gateway: one AMI session for the whole office
 ringside-gateway holds the office's only Asterisk Manager (AMI) session and
 fans the calls, presence and state out to the desks through an MQTT 5 broker
 (Mosquitto by default). Desks send their requests back the same way; the
 gateway checks each one before anything reaches the PBX.
EOF
  cat > "$stage/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  if ! getent passwd ringside-gateway >/dev/null; then
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin ringside-gateway
  fi
  install -d -m 0755 /etc/ringside
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null || true
  fi
fi
exit 0
EOF
  chmod 0755 "$stage/DEBIAN/postinst"
  mkdir -p "$outdir"
  local deb=$outdir/ringside-gateway_${version}_${arch}.deb
  dpkg-deb --build --root-owner-group "$stage" "$deb" >/dev/null
  echo "$deb"
}

# Fails unless the package holds what an office admin installs it for.
check() {
  local deb=$1 info files
  info=$(dpkg-deb -I "$deb")
  files=$(dpkg-deb -c "$deb")
  echo "$info"
  echo "$files"
  local want
  for want in ./usr/bin/ringside-gateway ./lib/systemd/system/ringside-gateway.service \
    ./usr/share/doc/ringside-gateway/office-mode.md \
    ./usr/share/doc/ringside-gateway/examples/gateway.toml \
    ./usr/share/doc/ringside-gateway/examples/gateway.credentials.example \
    ./usr/share/doc/ringside-gateway/examples/mosquitto.conf \
    ./usr/share/doc/ringside-gateway/examples/ringside.acl; do
    grep -q " $want\$" <<<"$files" || { echo "the .deb lacks $want" >&2; exit 1; }
  done
  grep -q '^-rwxr-xr-x root/root .* ./usr/bin/ringside-gateway$' <<<"$files" \
    || { echo "/usr/bin/ringside-gateway is not root-owned and executable" >&2; exit 1; }
  grep -q '^drwxr-xr-x root/root .* ./$' <<<"$files" || { echo "the .deb's root is not 0755" >&2; exit 1; }
  if grep -qv ' root/root ' <<<"$files"; then
    echo "the .deb has files not owned by root" >&2; exit 1
  fi
  grep -q '^ Package: ringside-gateway$' <<<"$info" || { echo "wrong package name" >&2; exit 1; }
  grep -q 'postinst' <<<"$info" || { echo "the .deb has no postinst" >&2; exit 1; }
  local ctl
  ctl=$(mktemp -d)
  dpkg-deb -e "$deb" "$ctl"
  grep -q 'useradd --system' "$ctl/postinst" || { echo "postinst makes no system user" >&2; exit 1; }
  sh -n "$ctl/postinst"
  rm -rf "$ctl"
  echo "==> $deb: checked"
}

if [ "${1:-}" = --check ]; then
  out=$(mktemp -d)
  deb=$(build "${2:?the gateway binary}" "$out")
  check "$deb"
  rm -rf "$out"
else
  build "${1:?the gateway binary}" "${2:?the output directory}"
fi
