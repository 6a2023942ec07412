"""GNU Radio 3.10 blocks of ddm-sscc: thin adapters between PDUs/streams and the core.

Each block converts GNU Radio types (PDUs, sample streams, tags) to core calls in
:mod:`ddm_sscc` and back; none holds signal processing of its own.  The GRC
definitions are in ``ddm_blocks/grc/`` (see the README: ``GRC_BLOCKS_PATH`` or
``make grc-install``).
"""

from ddm_blocks.channel_model import channel_model, channel_stream
from ddm_blocks.image_decoder import image_decoder
from ddm_blocks.image_encoder import image_encoder
from ddm_blocks.ofdm_rx import ofdm_rx
from ddm_blocks.ofdm_tx import ofdm_tx

__all__ = ["channel_model", "channel_stream", "image_decoder", "image_encoder", "ofdm_rx", "ofdm_tx"]
