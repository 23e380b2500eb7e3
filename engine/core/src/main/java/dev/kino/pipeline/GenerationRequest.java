package dev.kino.pipeline;

import dev.kino.image.Fit;
import dev.kino.lora.Lora;
import dev.kino.noise.TorchGenerator;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What to generate. Every field but the prompt may be left unset (null), in which case the model's
 * defaults from its manifest apply.
 *
 * @param prompt         what the video shows
 * @param negativePrompt what it should not show (null: the model's default negative prompt)
 * @param steps          denoising steps
 * @param guidance       classifier-free guidance scale; ≤ 1 turns guidance off
 * @param seed           seed of PyTorch's CPU generator for the initial noise (null: 0)
 * @param frames         video frames; must satisfy the model's frame rule (e.g. 4k+1 for Wan)
 * @param width          pixels; a multiple of the model's size multiple
 * @param height         pixels; a multiple of the model's size multiple
 * @param fps            frames per second of the written video
 * @param scheduler      a Kino scheduler name (e.g. {@code dpmpp-2m-karras}); null: the model's own
 * @param noiseKernel    which of PyTorch's CPU normal kernels the seed reproduces (null: {@code AVX2}, what
 *                       PyTorch computes on x86-64 with AVX2/AVX-512; {@code SCALAR} for ARM or old x86)
 * @param image          image models: the picture the video starts from (null: none)
 * @param lastImage      first/last-frame models: the picture it ends on (null: none)
 * @param continueFrom   an MP4 whose last decoded frame becomes the first frame (shots chain); instead of image
 * @param fit            how a picture of another aspect ratio is brought to the video size (null: crop)
 * @param loras          LoRAs merged into the denoiser for this request, each with its strength (empty: none)
 */
public record GenerationRequest(String prompt, String negativePrompt, Integer steps, Double guidance, Long seed,
                                Integer frames, Integer width, Integer height, Integer fps, String scheduler,
                                TorchGenerator.Kernel noiseKernel, Path image, Path lastImage, Path continueFrom,
                                Fit fit, List<Lora> loras) {

    public GenerationRequest {
        loras = loras == null ? List.of() : List.copyOf(loras);
    }

    /** A request without LoRAs (the fields before {@code loras} existed). */
    public GenerationRequest(String prompt, String negativePrompt, Integer steps, Double guidance, Long seed,
                             Integer frames, Integer width, Integer height, Integer fps, String scheduler,
                             TorchGenerator.Kernel noiseKernel, Path image, Path lastImage, Path continueFrom,
                             Fit fit) {
        this(prompt, negativePrompt, steps, guidance, seed, frames, width, height, fps, scheduler, noiseKernel,
                image, lastImage, continueFrom, fit, List.of());
    }

    /** A builder for a request with this prompt and every other field unset. */
    public static Builder builder(String prompt) {
        return new Builder(prompt);
    }

    /** Fluent construction: {@code GenerationRequest.builder("a red circle").steps(20).seed(7).build()}. */
    public static final class Builder {
        private final String prompt;
        private String negativePrompt;
        private Integer steps;
        private Double guidance;
        private Long seed;
        private Integer frames;
        private Integer width;
        private Integer height;
        private Integer fps;
        private String scheduler;
        private TorchGenerator.Kernel noiseKernel;
        private Path image;
        private Path lastImage;
        private Path continueFrom;
        private Fit fit;
        private List<Lora> loras = List.of();

        private Builder(String prompt) {
            this.prompt = Objects.requireNonNull(prompt, "prompt");
        }

        /** Sets {@link GenerationRequest#negativePrompt()}. */
        public Builder negativePrompt(String v) {
            negativePrompt = v;
            return this;
        }

        /** Sets {@link GenerationRequest#steps()}. */
        public Builder steps(Integer v) {
            steps = v;
            return this;
        }

        /** Sets {@link GenerationRequest#guidance()}. */
        public Builder guidance(Double v) {
            guidance = v;
            return this;
        }

        /** Sets {@link GenerationRequest#seed()}. */
        public Builder seed(Long v) {
            seed = v;
            return this;
        }

        /** Sets {@link GenerationRequest#frames()}. */
        public Builder frames(Integer v) {
            frames = v;
            return this;
        }

        /** Sets {@link GenerationRequest#width()}. */
        public Builder width(Integer v) {
            width = v;
            return this;
        }

        /** Sets {@link GenerationRequest#height()}. */
        public Builder height(Integer v) {
            height = v;
            return this;
        }

        /** Sets {@link GenerationRequest#fps()}. */
        public Builder fps(Integer v) {
            fps = v;
            return this;
        }

        /** Sets {@link GenerationRequest#scheduler()}. */
        public Builder scheduler(String v) {
            scheduler = v;
            return this;
        }

        /** Sets {@link GenerationRequest#noiseKernel()}. */
        public Builder noiseKernel(TorchGenerator.Kernel v) {
            noiseKernel = v;
            return this;
        }

        /** Image models: the first frame. */
        public Builder image(Path v) {
            image = v;
            return this;
        }

        /** First/last-frame models: the last frame. */
        public Builder lastImage(Path v) {
            lastImage = v;
            return this;
        }

        /** Image models: start on the last decoded frame of this video (instead of {@link #image}). */
        public Builder continueFrom(Path v) {
            continueFrom = v;
            return this;
        }

        /** How pictures of another aspect ratio are fitted (null: {@link Fit#CROP}). */
        public Builder fit(Fit v) {
            fit = v;
            return this;
        }

        /** LoRAs to merge into the denoiser, in order, each with its strength. */
        public Builder loras(List<Lora> v) {
            loras = v;
            return this;
        }

        /** The request with the fields set so far. */
        public GenerationRequest build() {
            return new GenerationRequest(prompt, negativePrompt, steps, guidance, seed, frames, width, height, fps,
                    scheduler, noiseKernel, image, lastImage, continueFrom, fit, loras);
        }
    }
}
