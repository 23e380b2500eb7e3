package dev.kino.sweep.quality;

import java.util.List;

/**
 * How one run compares with its reference (the same prompt, seed and guidance at many steps).
 *
 * @param psnrMeanDb            mean over frames of the per-frame PSNR in dB; identical frames count as
 *                              {@code psnrCeilingDb}; {@code +∞} only when every frame is identical
 * @param psnrMinDb             the worst frame's PSNR ({@code +∞} when every frame is identical)
 * @param psnrCeilingDb         the highest finite PSNR at this frame size (one 8-bit value off by one)
 * @param identicalFrames       frames equal to the reference's bit for bit
 * @param ssimMean              mean over frames of the luma SSIM (1 = identical)
 * @param ssimMin               the worst frame's SSIM
 * @param latentRelativeL2      {@code ‖latents − ref‖ / ‖ref‖} of the final latents
 * @param latentRmse            root mean square latent difference
 * @param temporalDiff          mean frame-to-frame difference of this run (0–255 scale), NaN for one frame
 * @param temporalDiffReference the same figure for the reference
 * @param psnrPerFrame          each frame's PSNR in dB ({@code +∞} for an identical frame)
 * @param ssimPerFrame          each frame's SSIM
 */
public record QualityFigures(double psnrMeanDb, double psnrMinDb, double psnrCeilingDb, int identicalFrames,
                             double ssimMean, double ssimMin, double latentRelativeL2, double latentRmse,
                             double temporalDiff, double temporalDiffReference, List<Double> psnrPerFrame,
                             List<Double> ssimPerFrame) {

    /** True when the decoded video equals the reference's exactly (PSNR is infinite). */
    public boolean identicalToReference() {
        return Double.isInfinite(psnrMeanDb);
    }

    /**
     * This run's temporal difference over the reference's: 1 means as much frame-to-frame change as the
     * reference, above 1 more (flicker or faster motion), below 1 less (a frozen look). NaN when undefined.
     */
    public double temporalRatio() {
        return temporalDiffReference > 0 ? temporalDiff / temporalDiffReference : Double.NaN;
    }
}
