# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for the pip bootstrap script that ansible-test downloads into each venv it makes.

The download host is not reachable from every build machine, while the package index is.
So: put pip in the venv with ensurepip, then let that pip install what ansible-test asked for
from the configured index. ensurepip runs in a subprocess on purpose: in-process it sets
PIP_CONFIG_FILE=/dev/null, which would hide the machine's index settings from the next pip.
"""

from __future__ import annotations

import subprocess
import sys

IGNORED = {"--no-setuptools", "--no-wheel"}


def main():
    subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade"], check=True, stdout=subprocess.DEVNULL)
    arguments = [argument for argument in sys.argv[1:] if argument not in IGNORED]
    subprocess.run([sys.executable, "-m", "pip", "install"] + arguments, check=True)


if __name__ == "__main__":
    main()
