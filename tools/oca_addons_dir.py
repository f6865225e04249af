"""Print the folder holding the OCA modules of a requirements file, as pip installed them.

Usage: python tools/oca_addons_dir.py requirements-oca.txt

Wheels of ``odoo-addon-<module>`` put the module under ``odoo/addons`` of the
environment's site-packages; this asks each installed distribution where that
is, checks the module's manifest is there, and prints the one folder (exit 1
with a message when a module is missing or they are in several folders).
Used by ``install_oca_requirements`` of tools/common.sh.
"""

import re
import sys
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

PIN = re.compile(r"^\s*(odoo-addon-([\w.-]+?))==")


def main(requirements):
    folders = set()
    for line in Path(requirements).read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if not match:
            continue
        package, module = match.group(1), match.group(2).replace("-", "_")
        try:
            folder = Path(distribution(package).locate_file("odoo/addons")).resolve()
        except PackageNotFoundError:
            return f"{package} is not installed"
        if not (folder / module / "__manifest__.py").is_file():
            return f"module {module} ({package}) not found in {folder}"
        folders.add(folder)
    if len(folders) != 1:
        return f"expected the OCA modules in one folder, found: {sorted(map(str, folders)) or 'none'}"
    print(folders.pop())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
