package dev.kino.cli;

import dev.kino.Fixtures;
import dev.kino.commandline.KinoPrograms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Every bad input gets one clear sentence, a non-zero exit, no stack trace, and nothing at the output path.
 */
class BadInputTest {
    @TempDir
    Path tmp;

    private Path out() {
        return tmp.resolve("out.mp4");
    }

    private Cli.Run generate(Path model, String... extra) {
        String[] base = {"generate", "a red circle moving right", "--model", model.toString(), "-o", out().toString(), "-q"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return Cli.kino(args);
    }

    /** One sentence on stderr starting with "kino: ", containing {@code expected}; no trace; no output file. */
    private void assertUserError(Cli.Run run, String expected) {
        assertTrue(run.exitCode() != 0, "non-zero exit");
        String err = run.err().strip();
        assertTrue(err.startsWith("kino: "), err);
        assertTrue(err.contains(expected), "message should mention '" + expected + "': " + err);
        assertFalse(err.contains("\tat ") || err.contains("Exception"), "no stack trace: " + err);
        assertEquals(1, err.lines().filter(l -> l.startsWith("kino: ")).count(), err);
        assertFalse(Files.exists(out()), "nothing at the output path");
    }

    @Test
    void missingModelFolder() {
        Cli.Run run = generate(tmp.resolve("no-such-model"));
        assertUserError(run, "does not exist");
        assertEquals(KinoPrograms.USER_ERROR, run.exitCode());
    }

    @Test
    void sizeAGraphWithFixedAxesCannotMake() {
        // The built-in demo model's graphs take 64x64 and 16 frames only (learned positions per latent cell).
        Cli.Run run = Cli.kino("generate", "a red circle moving right", "--width", "128", "--height", "128",
                "-o", out().toString(), "-q");
        assertUserError(run, "denoiser.onnx was exported for a fixed video size");
        assertTrue(run.err().contains("64x64, 16 frames"), run.err());
    }

    @Test
    void manifestNamingAMissingFile() throws IOException {
        Path model = Fixtures.copy(Fixtures.UNET, tmp);
        Files.delete(model.resolve("vae_decoder.onnx"));
        assertUserError(generate(model), "missing its VAE decoder file vae_decoder.onnx");
    }

    @Test
    void manifestThatIsNotJson() throws IOException {
        Path model = Fixtures.copy(Fixtures.UNET, tmp);
        Files.writeString(model.resolve("kino.json"), "{ \"kino\": 1, ");
        assertUserError(generate(model), "is not valid JSON");
    }

    @Test
    void manifestWithSeveralProblemsReportsThemAll() throws IOException {
        Path model = Fixtures.copy(Fixtures.UNET, tmp);
        String json = Files.readString(model.resolve("kino.json"))
                .replace("\"prediction_type\": \"epsilon\",\n    \"timestep_dtype\"", "\"prediction_type\": \"eps\",\n    \"timestep_dtype\"")
                .replace("\"chunk_frames\": 2", "\"chunk_frames\": 0");
        Files.writeString(model.resolve("kino.json"), json);
        Cli.Run run = generate(model);
        assertUserError(run, "2 problems");
        assertTrue(run.err().contains("denoiser.prediction_type") && run.err().contains("vae.chunk_frames"), run.err());
    }

    @Test
    void misspeltManifestKeyIsReportedNotIgnored() throws IOException {
        Path model = Fixtures.copy(Fixtures.UNET, tmp);
        String json = Files.readString(model.resolve("kino.json")).replace("\"zero_padding\"", "\"zero_paddding\"");
        Files.writeString(model.resolve("kino.json"), json);
        assertUserError(generate(model), "text_encoder.zero_paddding is not a manifest key");
    }

    @Test
    void manifestThatDisagreesWithTheOnnxSignatures() throws IOException {
        Path model = Fixtures.copy(Fixtures.UNET, tmp);
        String json = Files.readString(model.resolve("kino.json"))
                .replace("\"sample\": \"sample\"", "\"sample\": \"latents\"")
                .replace("\"channels\": 4", "\"channels\": 16")
                .replace("\"timestep_dtype\": \"int64\"", "\"timestep_dtype\": \"float32\"");
        Files.writeString(model.resolve("kino.json"), json);
        Cli.Run run = generate(model);
        assertUserError(run, "does not match its ONNX files");
        assertTrue(run.err().contains("no input named \"latents\""), run.err());
        assertTrue(run.err().contains("latent.channels is 16"), run.err());
        assertTrue(run.err().contains("timestep_dtype is float32"), run.err());
    }

    @Test
    void dynamicBatchClaimOnAFixedBatchGraph() throws IOException {
        Path model = Fixtures.copy(Fixtures.UNET_FIXED_BATCH, tmp);
        String json = Files.readString(model.resolve("kino.json"))
                .replace("\"dynamic_batch\": false", "\"dynamic_batch\": true");
        Files.writeString(model.resolve("kino.json"), json);
        assertUserError(generate(model), "fixed batch of 1 but the manifest says dynamic_batch: true");
    }

    @Test
    void unknownScheduler() {
        Cli.Run run = generate(Fixtures.dir(Fixtures.UNET), "--scheduler", "warp-drive");
        assertUserError(run, "warp-drive");
        assertTrue(run.err().contains("ddim"), "lists the valid names: " + run.err());
    }

    @Test
    void framesThatBreakTheFrameRule() {
        Cli.Run run = generate(Fixtures.dir(Fixtures.DIT_FLOW), "--frames", "8");
        assertUserError(run, "4k+1");
        assertTrue(run.err().contains("try 9"), run.err());
    }

    @Test
    void zeroSteps() {
        assertUserError(generate(Fixtures.dir(Fixtures.UNET), "--steps", "0"),
                "--steps must be a whole number from 1 to 1000, not 0.");
    }

    @Test
    void negativeSteps() {
        assertUserError(generate(Fixtures.dir(Fixtures.UNET), "--steps", "-3"),
                "--steps must be a whole number from 1 to 1000, not -3.");
    }

    @Test
    void moreStepsThanTheSchedulerCanPlan() {
        assertUserError(generate(Fixtures.dir(Fixtures.UNET), "--steps", "1000"), "num_train_timesteps 1000");
    }

    @Test
    void sizeOrFramesThatCannotFitInMemory() {
        assertUserError(generate(Fixtures.dir(Fixtures.UNET), "--width", "8192", "--height", "8192", "--frames",
                "10000"), "the largest size that fits");
        // beyond the request schema's limits nothing reaches the size arithmetic
        assertUserError(generate(Fixtures.dir(Fixtures.UNET), "--frames", "2000000000"),
                "--frames must be a whole number from 1 to 10000, not 2000000000.");
    }

    @Test
    void absurdGuidance() {
        assertUserError(generate(Fixtures.dir(Fixtures.UNET), "--guidance", "1e9"),
                "--guidance must be a number from 0 to 100, not 1e9.");
    }

    @Test
    void emptyPrompt() {
        Cli.Run run = Cli.kino("generate", "   ", "--model", Fixtures.dir(Fixtures.UNET).toString(),
                "-o", out().toString(), "-q");
        assertUserError(run, "The prompt is empty");
    }

    @Test
    void sizeThatIsNotAMultiple() {
        assertUserError(generate(Fixtures.dir(Fixtures.UNET), "--width", "36"), "multiple of 8");
    }

    @Test
    void unknownDevice() {
        assertUserError(generate(Fixtures.dir(Fixtures.UNET), "--device", "tpu"), "Unknown device");
    }

    @Test
    void cudaRequestedWithoutCuda() {
        Cli.Run run = generate(Fixtures.dir(Fixtures.UNET), "--device", "cuda");
        assumeFalse(run.exitCode() == 0, "this machine has a working CUDA provider");
        assertUserError(run, "cannot be used");
    }

    @Test
    void outputFolderThatDoesNotExist() {
        Path missing = tmp.resolve("nowhere").resolve("out.mp4");
        Cli.Run run = Cli.kino("generate", "a red circle", "--model", Fixtures.dir(Fixtures.UNET).toString(),
                "-o", missing.toString(), "-q");
        assertUserError(run, "does not exist");
        assertFalse(Files.exists(missing));
    }

    @Test
    void unwritableOutputFolder() throws IOException {
        Path target = unwritableFolder().resolve("out.mp4");
        Cli.Run run = Cli.kino("generate", "a red circle", "--model", Fixtures.dir(Fixtures.UNET).toString(),
                "-o", target.toString(), "-q");
        assertUserError(run, "Cannot write to the folder");
        assertFalse(Files.exists(target));
    }

    /** A read-only folder; root ignores permission bits, so as root use /proc/self, which nobody can write. */
    private Path unwritableFolder() throws IOException {
        Path locked = Files.createDirectory(tmp.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Files.delete(Files.createFile(locked.resolve("probe")));
            return Path.of("/proc/self");
        } catch (IOException expected) {
            return locked;
        }
    }

    @Test
    void outputThatIsAFolder() throws IOException {
        Path folder = Files.createDirectory(tmp.resolve("x.mp4"));
        Cli.Run run = Cli.kino("generate", "a red circle", "--model", Fixtures.dir(Fixtures.UNET).toString(),
                "-o", folder.toString(), "-q");
        assertTrue(run.exitCode() != 0);
        assertTrue(run.err().contains("is a folder"), run.err());
        assertTrue(Files.isDirectory(folder), "the folder is left alone");
    }

    @Test
    void outputWithoutMp4Extension() {
        Cli.Run run = Cli.kino("generate", "a red circle", "--model", Fixtures.dir(Fixtures.UNET).toString(),
                "-o", tmp.resolve("out.avi").toString(), "-q");
        assertUserError(run, "must end in .mp4");
    }

    @Test
    void unknownOptionIsAUsageError() {
        Cli.Run run = Cli.kino("generate", "a red circle", "--stepz", "4");
        assertEquals(KinoPrograms.USAGE_ERROR, run.exitCode());
        assertTrue(run.err().contains("--stepz"), run.err());
        assertFalse(run.err().contains("\tat "), run.err());
    }
}
