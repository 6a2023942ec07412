"""The DDM source codec: synchronized reverse arithmetic coding over pixel tokens."""

from ddm_sscc.codec.engine import CodecSettings, DiffusionCodec
from ddm_sscc.codec.order import OrderKind
from ddm_sscc.codec.schedule import ScheduleKind
from ddm_sscc.codec.zoo import DEFAULT_MODEL, available_models, load_codec

__all__ = ["DEFAULT_MODEL", "CodecSettings", "DiffusionCodec", "OrderKind", "ScheduleKind", "available_models", "load_codec"]
