#!/usr/bin/env bash
# Make GNU Radio Companion find the ddm-sscc blocks without environment variables:
#  * the block definitions (ddm_blocks/grc/*.yml) go to ~/.grc_gnuradio, a directory GRC always searches;
#  * a .pth file in /usr/bin/python3's user site-packages puts this checkout and the .venv's packages
#    (torch, constriction, ...) on the path of the interpreter GRC runs flowgraphs with.
# Undo with: tools/grc_install.sh --uninstall
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
VENV=${VENV:-.venv}
DEST=${GRC_USER_BLOCKS:-$HOME/.grc_gnuradio}
SITE=$(/usr/bin/python3 -m site --user-site)
PTH="$SITE/ddm_sscc.pth"

if [ "${1:-}" = "--uninstall" ]; then
    for f in ddm_blocks/grc/*.yml; do rm -f "$DEST/$(basename "$f")"; done
    rm -f "$PTH"
    echo "grc-install: removed the block definitions from $DEST and $PTH"
    exit 0
fi
mkdir -p "$DEST" "$SITE"
for f in ddm_blocks/grc/*.yml; do
    target="$DEST/$(basename "$f")"
    if [ -e "$target" ] && ! cmp -s "$f" "$target" && [ "${FORCE:-0}" != 1 ]; then
        echo "grc-install: $target exists and differs; rerun with FORCE=1 to replace it" >&2
        exit 1
    fi
    cp "$f" "$target"
done
VENV_SITE=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
printf '%s\n%s\n' "$REPO" "$VENV_SITE" > "$PTH"
echo "grc-install: block definitions in $DEST; $PTH adds $REPO and $VENV_SITE to /usr/bin/python3"
