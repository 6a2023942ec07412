"""Channel coding: CRCs, link-layer framing and LDPC codes (numpy only, no GNU Radio)."""
