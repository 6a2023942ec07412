#!/usr/bin/env bash
# Install everything ddm-sscc needs on Debian 12: Debian packages (GNU Radio,
# libiio) through apt-get, then a virtualenv that sees them.  Called by the
# Makefile, which records success in a stamp file so it runs once.
set -euo pipefail

VENV=${VENV:-.venv}
# gir1.2-gtk-3.0: GNU Radio Companion's GTK introspection data (a Recommends, so --no-install-recommends
# skips it and GRC fails with "Namespace Gtk not available"); xvfb: a screen for the GRC test.
APT_PACKAGES=(gnuradio gir1.2-gtk-3.0 xvfb python3-libiio libiio-utils python3-venv python3-pip python3-zmq python3-yaml)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "bootstrap: installing Debian packages: ${missing[*]}"
    SUDO=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "bootstrap: need root or sudo to apt-get install ${missing[*]}" >&2; exit 1; }
        SUDO=(sudo)
    fi
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# /usr/bin/python3 with --system-site-packages: GNU Radio's bindings only load
# under Debian's interpreter, and this way they stay visible inside the venv.
if [ ! -x "$VENV/bin/python" ]; then
    /usr/bin/python3 -m venv --system-site-packages "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade "pip>=23"
"$VENV/bin/python" -m pip install --quiet -c constraints.txt -e '.[test]'
# pyadi-iio without its pylibiio dependency: that one needs libiio 1.x and breaks `import adi`;
# Debian's python3-libiio 0.24 (apt above) provides the `iio` module it needs.
"$VENV/bin/python" -m pip install --quiet --no-deps -c constraints.txt "pyadi-iio==0.0.21"
"$VENV/bin/python" -c "from gnuradio import gr; import numpy, torch, constriction, adi, sigmf; print('bootstrap: GNU Radio', gr.version(), '| numpy', numpy.__version__, '| torch', torch.__version__)"
