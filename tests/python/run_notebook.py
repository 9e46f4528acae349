"""Executes a notebook top to bottom with nbclient, in the notebook's directory, and
fails on the first cell that raises. Usage: python run_notebook.py NOTEBOOK.ipynb"""
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

path = Path(sys.argv[1]).resolve()
nb = nbformat.read(path, as_version=4)
NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
last = [o for c in nb.cells for o in c.get("outputs", [])][-1]
print(f"{path.name}: {len(nb.cells)} cells ran; last output:\n{last.get('text') or last.get('data', {}).get('text/plain', '')}")
