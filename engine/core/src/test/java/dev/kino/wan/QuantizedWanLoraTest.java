package dev.kino.wan;

import dev.kino.Fixtures;
import dev.kino.lora.Lora;
import dev.kino.pipeline.GenerationRequest;
import dev.kino.pipeline.GenerationResult;
import dev.kino.pipeline.TextToVideoPipeline;
import dev.kino.runtime.Device;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LoRAs on the precision packages (int8 MatMulInteger, 4-bit MatMulNBits): the touched weights are read back
 * to float32, the LoRA added, and stored again in the package's own scheme. The stacked LoRAs of
 * WanLoraParityTest (0.8 and -0.3) on the quantized tiny Wan must land within the mode's own bound of the
 * fp32 package with the same LoRAs (QuantizedWanTest's bounds), and nearer to it than the quantized model
 * without them (a LoRA dropped or merged into the wrong layout fails there); strength 0 is the quantized
 * package's own render, bit for bit.
 */
class QuantizedWanLoraTest {
    private static final Path WAN = Fixtures.testResources().resolve("wan");
    private static final Path LORA = WAN.resolve("lora");
    private static GenerationResult fp32WithLoras;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void renderFp32() {
        try (TextToVideoPipeline fp32 = TextToVideoPipeline.load(WAN.resolve("tiny-wan21"), Device.CPU)) {
            fp32WithLoras = fp32.generate(request(0.8, -0.3), e -> true);
        }
    }

    private static GenerationRequest request(double first, double second) {
        return GenerationRequest.builder("A red fox runs through fresh snow at dawn.").seed(42L).steps(4)
                .frames(9).width(48).height(32).loras(List.of(new Lora(LORA.resolve("peft.safetensors"), first, null),
                        new Lora(LORA.resolve("comfy.safetensors"), second, null))).build();
    }

    private static GenerationRequest plain() {
        return GenerationRequest.builder("A red fox runs through fresh snow at dawn.").seed(42L).steps(4)
                .frames(9).width(48).height(32).build();
    }

    @ParameterizedTest
    @CsvSource({"tiny-wan21-int8, 50, 0.01", "tiny-wan21-w4, 43, 0.03", "tiny-wan21-fp16, 60, 0.003",
                "tiny-wan21-bf16, 55, 0.01"})
    void loRAsMergeIntoTheQuantizedWeights(String name, double minPsnrDb, double maxLatentDistance) {
        Path pkg = Fixtures.overlaid(WAN.resolve(name), tmp);
        GenerationResult withLoras;
        GenerationResult without;
        GenerationResult off;
        try (TextToVideoPipeline kino = TextToVideoPipeline.load(pkg, Device.CPU)) {
            withLoras = kino.generate(request(0.8, -0.3), e -> true);
            without = kino.generate(plain(), e -> true);
            off = kino.generate(request(0, 0), e -> true);
        }
        double psnr = QuantizedWanTest.framePsnr(fp32WithLoras, withLoras);
        double distance = QuantizedWanTest.latentDistance(fp32WithLoras.latents().data(), withLoras.latents().data());
        double plainDistance = QuantizedWanTest.latentDistance(fp32WithLoras.latents().data(), without.latents().data());
        System.out.printf(Locale.ROOT, "%s with LoRAs against tiny-wan21 fp32 with LoRAs: frames %.1f dB, latents %.4f"
                + " relative (without the LoRAs: %.4f)%n", name, psnr, distance, plainDistance);
        assertTrue(psnr >= minPsnrDb, name + ": frames " + psnr + " dB from fp32 with LoRAs, bound " + minPsnrDb);
        assertTrue(distance <= maxLatentDistance, name + ": latents " + distance + ", bound " + maxLatentDistance);
        assertTrue(distance < plainDistance / 5, name + ": the LoRAs barely moved the render (" + distance + " vs "
                + plainDistance + " without them)");
        assertArrayEquals(without.latents().data(), off.latents().data(), name + ": strength 0 is not the plain render");
    }
}
