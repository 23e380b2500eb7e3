package dev.kino.cli;

import dev.kino.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kino generate --lora FILE[:STRENGTH]}: stacked LoRAs reach the denoiser; a bad LoRA writes nothing. */
class LoraOptionTest {
    private static final Path WAN = Fixtures.testResources().resolve("wan");

    @TempDir
    Path tmp;

    @Test
    void stackedLorasChangeTheVideoAndAreReported() throws Exception {
        String model = WAN.resolve("tiny-wan21").toString();
        Path plain = tmp.resolve("plain.mp4");
        Path styled = tmp.resolve("styled.mp4");
        Cli.Run a = Cli.kino("generate", "a red fox", "--model", model, "--steps", "2", "--frames", "5",
                "--latents-out", tmp.resolve("plain.npy").toString(), "-o", plain.toString());
        assertEquals(0, a.exitCode(), a.err());
        Cli.Run b = Cli.kino("generate", "a red fox", "--model", model, "--steps", "2", "--frames", "5",
                "--lora", WAN.resolve("lora/peft.safetensors") + ":0.8",
                "--lora", WAN.resolve("lora/comfy.safetensors") + ":-0.3",
                "--latents-out", tmp.resolve("styled.npy").toString(), "-o", styled.toString());
        assertEquals(0, b.exitCode(), b.err());
        assertTrue(b.err().contains("LoRAs peft.safetensors, comfy.safetensors at strengths 0.8,-0.3"), b.err());
        assertFalse(Arrays.equals(Files.readAllBytes(tmp.resolve("plain.npy")), Files.readAllBytes(tmp.resolve("styled.npy"))),
                "the LoRAs change the latents");
    }

    @Test
    void aDamagedLoraIsOneSentenceAndLeavesTheEarlierVideo() throws Exception {
        byte[] good = Files.readAllBytes(WAN.resolve("lora/peft.safetensors"));
        Path cut = tmp.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(good, 100));
        Path out = tmp.resolve("keep.mp4");
        byte[] earlier = {1, 2, 3};
        Files.write(out, earlier);
        Cli.Run r = Cli.kino("generate", "a red fox", "--model", WAN.resolve("tiny-wan21").toString(), "--steps", "2",
                "--frames", "5", "--lora", cut + ":0.5", "-o", out.toString());
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains("damaged"), r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "no stack trace: " + r.err());
        assertArrayEquals(earlier, Files.readAllBytes(out), "the earlier file is intact");
        try (var files = Files.list(tmp)) {
            assertEquals(2, files.count(), "nothing else written");
        }
    }
}
