"""DeepJSCC: the semantic (analog) baseline of the link experiments.

A small convolutional autoencoder (Bourtsoulatze, Kurka and Gündüz, "Deep joint
source-channel coding for wireless image transmission", 2019) maps an image to
complex channel symbols at unit average power, sends them through the same
simulated channel as the digital link (:class:`ddm_sscc.channel.Channel`) and
decodes the noisy symbols straight to pixels.  It is lossy by design: the
experiments report its PSNR and its (near-zero) exact-recovery rate beside the
bit-exact DDM link.

* :mod:`.model` — the network and its bandwidth ratio.
* :mod:`.symbols` — latent ↔ complex symbols, the power constraint.
* :mod:`.torch_channel` — differentiable AWGN / coherent Rayleigh for training.
* :mod:`.channel_adapter` — the project's channel model on the symbols, with an ideal coherent receiver.
* :mod:`.checkpoint` — safetensors files with their SHA-256 (never pickle).
* :mod:`.training` — :func:`train_deepjscc` on packed training crops.
* :mod:`.transmit` — :func:`deepjscc_transmit`: one image through a channel.
* :mod:`.zoo` — :func:`load_deepjscc`: the shipped weights (``weights/MODEL_CARD.md``).
"""

from ddm_sscc.experiments.deepjscc.model import DeepJscc, DeepJsccConfig
from ddm_sscc.experiments.deepjscc.transmit import deepjscc_transmit
from ddm_sscc.experiments.deepjscc.zoo import DEFAULT_WEIGHTS, load_deepjscc

__all__ = ["DEFAULT_WEIGHTS", "DeepJscc", "DeepJsccConfig", "deepjscc_transmit", "load_deepjscc"]
