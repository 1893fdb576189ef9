"""Offline stand-in for ansible-test's get-pip.py download: pip from ensurepip, then pip install.

ansible-test runs it as ``python get_pip_X_Y.py [pip options] pip==X.Y`` inside each new
virtual environment; get-pip's own ``--no-setuptools``/``--no-wheel`` are not pip options.
"""
import subprocess
import sys

ARGS = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", *ARGS]))
