"""``python -m nasperf``: the ``nasperf`` command (:func:`nasperf.cli.main`)."""

from nasperf.cli import main

raise SystemExit(main())
