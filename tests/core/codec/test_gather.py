import pytest
import torch

from ddm_sscc.codec.gather import gather


@pytest.mark.parametrize("dtype", [torch.int64, torch.bool, torch.float64])
@pytest.mark.parametrize("shape", [(0,), (7,), (3, 5), (2, 3, 4)])
def test_gather_is_flat_indexing(dtype, shape):
    g = torch.Generator().manual_seed(0)
    source = torch.randint(0, 9, (6, 11), generator=g).to(dtype)
    index = torch.randint(0, source.numel(), shape, generator=g)
    out = gather(source, index)
    assert out.dtype == dtype and out.shape == index.shape
    assert torch.equal(out, source.reshape(-1)[index])


def test_gather_refuses_an_index_outside_the_source():
    with pytest.raises((IndexError, RuntimeError)):
        gather(torch.arange(5), torch.tensor([5]))
