from drafting.cli.main import main

raise SystemExit(main())
