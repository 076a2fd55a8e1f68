# -*- coding: utf-8 -*-
# Copyright: Contributors to the hwcloud.bandwidth collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Settings for every unit test."""

from __future__ import annotations

import os
import tempfile

# Hypothesis keeps its example database and caches outside the collection tree, so that a test
# run leaves no files behind for ansible-test sanity (which runs in the same tree) to trip over.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "hwcloud-bandwidth-hypothesis"))
