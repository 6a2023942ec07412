"""Tests of ddm_sscc.radio (Pluto hardware replaced by a fake adi module)."""
