package dev.kino.noise;

/**
 * Seeded Gaussian noise that reproduces PyTorch's CPU generator:
 * {@code torch.randn(shape, generator=torch.Generator().manual_seed(seed))}.
 *
 * <p>A seed therefore means the same starting noise in Kino as in diffusers and ComfyUI. The generator is
 * stateful like PyTorch's: successive calls continue the stream (ancestral samplers draw their per-step noise
 * from the same generator that drew the initial latents, as diffusers does).
 */
public final class TorchGenerator {
    // Implementation: see the schedulers/noise work (mt19937 + PyTorch's normal_fill / scalar Box-Muller).
    private TorchGenerator() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** A generator seeded like {@code torch.Generator().manual_seed(seed)}. */
    public static TorchGenerator seeded(long seed) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Fills {@code out} as {@code torch.randn(out.length)} would (the shape only matters through its size). */
    public void randn(float[] out) {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
