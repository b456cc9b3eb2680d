"""Offline-friendly stand-in for the get-pip bootstrap script that ansible-test downloads.

ansible-test creates each sanity virtual environment with ``--without-pip`` and then runs
``~/.ansible/test/cache/get_pip_<X_Y>.py`` (normally fetched from a CI file host that these
machines cannot reach) inside it, like this:

    <venv python> <quiet_pip wrapper> --disable-pip-version-check pip==X.Y --no-setuptools --no-wheel

This stand-in does the same job with what is reachable: the pip wheel bundled with the
interpreter (``ensurepip``) to get any pip at all, then the requested pip from the package
index. scripts/sanity.sh installs it under the file name that ansible-test expects; the default
pip version is read from that file name, so the same source serves any version.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys

# Options only get-pip.py understands; pip install would reject them.
GET_PIP_ONLY_OPTIONS = ('--no-setuptools', '--no-wheel')


def default_pip_version() -> str:
    """Return the pip version encoded in this file's name (get_pip_24_2.py -> 24.2)."""
    match = re.match(r'get_pip_(\d+(?:_\d+)*)\.py$', os.path.basename(__file__))

    if not match:
        sys.exit('get-pip stand-in: cannot tell the pip version from the file name %r' % __file__)

    return match.group(1).replace('_', '.')


def pip_install_arguments(argv: list[str]) -> list[str]:
    """Turn get-pip.py arguments into pip install arguments."""
    args = [arg for arg in argv if arg not in GET_PIP_ONLY_OPTIONS]

    if not any(re.match(r'pip\s*(==|>=|<=|~=|$)', arg) for arg in args if not arg.startswith('-')):
        args.append('pip==%s' % default_pip_version())

    # get-pip.py installs setuptools and wheel unless told not to; keep that contract.
    if '--no-setuptools' not in argv:
        args.append('setuptools')

    if '--no-wheel' not in argv:
        args.append('wheel')

    return args


def main() -> None:
    """Bootstrap pip into the running interpreter's environment."""
    had_setuptools = importlib.util.find_spec('setuptools') is not None

    # ensurepip runs in a child process: in-process it deletes every PIP_* variable and sets
    # PIP_CONFIG_FILE=os.devnull in os.environ, which would hide the machine's pip settings
    # (certificates, index, constraints) from the install below.
    subprocess.run([sys.executable, '-m', 'ensurepip'], check=True, stdout=subprocess.DEVNULL)

    env = os.environ.copy()
    # A PIP_CONFIG_FILE inherited from an ensurepip-style caller points at os.devnull and would
    # disable all pip configuration; without it pip reads the usual site/user config files.
    env.pop('PIP_CONFIG_FILE', None)

    command = [sys.executable, '-m', 'pip', 'install', '--disable-pip-version-check']
    command.extend(pip_install_arguments(sys.argv[1:]))

    result = subprocess.run(command, env=env, check=False)

    if result.returncode:
        sys.exit(result.returncode)

    # ensurepip of Python < 3.12 also installs setuptools; honour --no-setuptools as get-pip.py does.
    if '--no-setuptools' in sys.argv[1:] and not had_setuptools:
        uninstall = [sys.executable, '-m', 'pip', 'uninstall', '--yes', '--disable-pip-version-check', 'setuptools']
        done = subprocess.run(uninstall, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sys.exit(done.returncode)


if __name__ == '__main__':
    main()
