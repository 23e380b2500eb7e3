package dev.kino.sweep.quality;

import dev.kino.tensor.FloatTensor;
import dev.kino.video.VideoFrames;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Compares a run's decoded video and final latents with its reference's. */
public final class VideoQuality {
    private VideoQuality() {
    }

    public static QualityFigures compare(VideoFrames video, FloatTensor latents, VideoFrames reference,
                                         FloatTensor referenceLatents) {
        if (video.count() != reference.count() || video.width() != reference.width()
                || video.height() != reference.height()) {
            throw new IllegalArgumentException("video " + describe(video) + " cannot be compared with reference "
                    + describe(reference));
        }
        if (!Arrays.equals(latents.shape(), referenceLatents.shape())) {
            throw new IllegalArgumentException("latents " + latents + " cannot be compared with " + referenceLatents);
        }
        int n = video.count();
        double ceiling = Psnr.ceiling(video.width() * video.height() * 3);
        double psnrSum = 0;
        double psnrMin = Double.POSITIVE_INFINITY;
        double ssimSum = 0;
        double ssimMin = Double.POSITIVE_INFINITY;
        int identical = 0;
        List<Double> psnrs = new ArrayList<>();
        List<Double> ssims = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double psnr = Psnr.frame(video.frame(i), reference.frame(i));
            psnrs.add(psnr);
            if (Double.isInfinite(psnr)) {
                identical++;
            }
            psnrSum += Math.min(psnr, ceiling);
            psnrMin = Math.min(psnrMin, psnr);
            double ssim = Ssim.frame(video.frame(i), reference.frame(i), video.width(), video.height());
            ssims.add(ssim);
            ssimSum += ssim;
            ssimMin = Math.min(ssimMin, ssim);
        }
        double psnrMean = identical == n ? Double.POSITIVE_INFINITY : psnrSum / n;
        return new QualityFigures(psnrMean, psnrMin, ceiling, identical, ssimSum / n, ssimMin,
                LatentDistance.relativeL2(latents.data(), referenceLatents.data()),
                LatentDistance.rmse(latents.data(), referenceLatents.data()),
                TemporalDifference.of(video), TemporalDifference.of(reference), List.copyOf(psnrs), List.copyOf(ssims));
    }

    private static String describe(VideoFrames v) {
        return v.count() + " frames of " + v.width() + "×" + v.height();
    }
}
