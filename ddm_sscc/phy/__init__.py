"""The physical layer: constellation mapping, MCS table and the OFDM modem (numpy only)."""
