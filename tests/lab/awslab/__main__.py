"""``python -m awslab``: see :mod:`awslab.cli`."""

from awslab.cli import main

raise SystemExit(main())
