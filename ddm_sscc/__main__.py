from ddm_sscc.cli import main

raise SystemExit(main())
