package dev.kino.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kino.Fixtures;
import dev.kino.KinoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The manifest's rules in the core, where a library user meets them (the CLI's tests see only a few through
 * {@code kino generate}): what a valid file reads as, and each broken rule named, all problems at once.
 */
class ManifestReaderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A fixture's manifest: a name under fixtures/, or a folder of the test resources (wan/tiny-wan21). */
    private static ObjectNode fixture(String name) throws IOException {
        Path dir = name.contains("/") ? Fixtures.testResources().resolve(name) : Fixtures.dir(name);
        return (ObjectNode) JSON.readTree(dir.resolve("kino.json").toFile());
    }

    private static Manifest parse(ObjectNode m) {
        return ManifestReader.parse(m.toString(), "kino.json");
    }

    /** The problems listed in the one-sentence error of {@code m}, after {@code edit}. */
    private static String problems(String fixture, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode m = fixture(fixture);
        edit.accept(m);
        KinoException e = assertThrows(KinoException.class, () -> parse(m));
        String s = e.getMessage();
        assertTrue(s.startsWith("The manifest kino.json has ") && s.endsWith(". See models/README.md for the format."), s);
        return s;
    }

    private static ObjectNode denoiser(ObjectNode m) {
        return (ObjectNode) m.get("denoiser");
    }

    private static void boundaries(ObjectNode m, double... ratios) {
        ArrayNode list = (ArrayNode) m.get("denoiser").get("experts");
        list.removeAll();
        for (int i = 0; i < ratios.length; i++) {
            list.addObject().put("file", i == 0 ? "denoiser_high.onnx" : "denoiser_low.onnx")
                    .put("boundary_ratio", ratios[i]);
        }
    }

    @Test
    void aValidManifestReadsAsWritten() throws IOException {
        Manifest m = parse(fixture(Fixtures.UNET));
        assertEquals(4, m.latent().channels());
        assertEquals(8, m.latent().spatialCompression());
        assertEquals(8, m.textEncoder().maxLength());
        assertEquals(5.0, m.defaults().guidance());
        assertEquals(1000, m.scheduler().trainTimesteps());
        assertEquals(List.of(new Manifest.Expert("denoiser.onnx", 0.0, null)), m.denoiser().experts(),
                "one graph is one expert for every timestep");
        assertEquals(2, m.vae().chunkFrames());
        assertEquals(0.18215, m.vae().scalingFactor());
        assertEquals(Manifest.Precision.FP32, m.denoiser().precision());
        assertNull(m.vae().decodeNoise());

        Manifest experts = parse(fixture("dit-flow-experts"));
        assertEquals(List.of(new Manifest.Expert("denoiser_high.onnx", 0.875, 4.0),
                new Manifest.Expert("denoiser_low.onnx", 0.0, 3.0)), experts.denoiser().experts());
    }

    @Test
    void everyProblemIsListedInOneMessage() throws IOException {
        String s = problems(Fixtures.UNET, m -> {
            m.put("kino", 2);
            ((ObjectNode) m.get("vae")).put("scaling_factor", 0);
        });
        assertTrue(s.contains("has 2 problems: kino is 2 but this Kino reads manifest version 1; vae.scaling_factor"
                + " must not be 0."), s);
        String one = problems(Fixtures.UNET, m -> ((ObjectNode) m.get("latent")).put("spelling", 1));
        assertTrue(one.contains("has 1 problem: latent.spelling is not a manifest key (misspelt?)."), one);
    }

    @Test
    void eachWronglyTypedFieldIsNamedWithWhatItMustBe() throws IOException {
        String s = problems("wan/tiny-wan21", m -> {
            ((ObjectNode) m.get("latent")).put("channels", "four");
            ((ObjectNode) m.get("denoiser")).remove("sample");
            ((ObjectNode) m.get("text_encoder")).put("dynamic_batch", "yes").put("padding", "left");
            ((ObjectNode) m.get("defaults")).put("guidance", "high");
            ((ObjectNode) m.get("denoiser")).putArray("patch_size").add(1).add(0).add(2);
            ((ObjectNode) m.get("vae")).put("cache_inputs", "cache").putArray("latents_std").add("a");
            m.put("description", 5);
            m.put("tokenizer", "");
        });
        for (String problem : new String[] {"latent.channels must be a positive integer", "denoiser.sample is missing",
                "text_encoder.dynamic_batch must be true or false",
                "text_encoder.padding is \"left\" but must be one of max_length, longest",
                "defaults.guidance must be a number", "denoiser.patch_size must be a list of 3 positive integers",
                "vae.cache_inputs must be a list of names", "vae.latents_std must be a list of numbers",
                "description must be a string or null", "tokenizer must be a non-empty string"}) {
            assertTrue(s.contains(problem), problem + " in: " + s);
        }
        assertTrue(problems(Fixtures.UNET, m -> m.put("text_encoder", "clip"))
                .contains("text_encoder must be an object"));
        ObjectNode noGuidance = fixture("dit-flow-experts");
        ((ObjectNode) noGuidance.get("denoiser").get("experts").get(1)).putNull("guidance");
        assertNull(parse(noGuidance).denoiser().experts().get(1).guidance(), "an expert may leave guidance unset");
    }

    @Test
    void expertBoundariesRunFromHighNoiseToZeroWithinZeroAndOne() throws IOException {
        ObjectNode edge = fixture("dit-flow-experts");
        boundaries(edge, 1.0, 1.0, 0.0);   // the limits themselves are allowed
        assertEquals(List.of(1.0, 1.0, 0.0), parse(edge).denoiser().experts().stream()
                .map(Manifest.Expert::boundaryRatio).toList());
        String order = "must be between 0 and 1 and not above the previous expert's";
        assertTrue(problems("dit-flow-experts", m -> boundaries(m, 1.5, 0.0))
                .contains("denoiser.experts[0].boundary_ratio " + order));
        assertTrue(problems("dit-flow-experts", m -> boundaries(m, 0.5, 0.875, 0.0))
                .contains("denoiser.experts[1].boundary_ratio " + order));
        assertTrue(problems("dit-flow-experts", m -> boundaries(m, 0.875, -0.1))
                .contains("denoiser.experts[1].boundary_ratio " + order));
        assertTrue(problems("dit-flow-experts", m -> boundaries(m, 0.875, 0.1))
                .contains("the last expert must have boundary_ratio 0 so every timestep has one"));
        assertTrue(problems("dit-flow-experts", m -> boundaries(m))
                .contains("denoiser.experts must be a non-empty list of {file, boundary_ratio, guidance}"));
        assertTrue(problems("dit-flow-experts", m -> denoiser(m).put("file", "denoiser_low.onnx"))
                .contains("denoiser.file must name the first (high-noise) expert, denoiser_high.onnx"));
    }

    @Test
    void theSchedulerMustBeADiffusersConfigWithTrainingTimesteps() throws IOException {
        assertTrue(problems(Fixtures.UNET, m -> m.remove("scheduler"))
                .contains("scheduler is missing (copy diffusers' scheduler_config.json there)"));
        assertTrue(problems(Fixtures.UNET, m -> m.put("scheduler", "ddim")).contains("scheduler must be an object"));
        assertTrue(problems(Fixtures.UNET, m -> ((ObjectNode) m.get("scheduler")).remove("_class_name"))
                .contains("scheduler._class_name is missing"));
        assertTrue(problems(Fixtures.UNET, m -> ((ObjectNode) m.get("scheduler")).put("num_train_timesteps", 0))
                .contains("scheduler.num_train_timesteps must be at least 1"));
        ObjectNode one = fixture(Fixtures.UNET);
        ((ObjectNode) one.get("scheduler")).put("num_train_timesteps", 1);
        assertEquals(1, parse(one).scheduler().trainTimesteps());
        assertTrue(problems(Fixtures.UNET, m -> ((ObjectNode) m.get("scheduler")).put("num_train_timesteps", 2.5))
                .contains("scheduler.num_train_timesteps must be a whole number"));
    }

    @Test
    void vaeNormalisationAndDecodeNoiseAreChecked() throws IOException {
        assertTrue(problems("dit-flow-experts", m -> ((ObjectNode) m.get("vae")).remove("latents_std"))
                .contains("vae.latents_mean and vae.latents_std must be given together, with one value per channel"));
        assertTrue(problems("dit-flow-experts", m -> ((ArrayNode) m.get("vae").get("latents_std")).remove(0))
                .contains("vae.latents_mean and vae.latents_std must be given together"));
        assertTrue(problems(Fixtures.UNET, m -> ((ObjectNode) m.get("vae")).put("denormalize", "divide"))
                .contains("vae.denormalize must be divide_inverse_std (Wan) or multiply_std (LTX-Video)"));
        for (double t : new double[] {0.0, 1.0}) {
            ObjectNode ok = fixture(Fixtures.UNET);
            ((ObjectNode) ok.get("vae")).put("timestep", "timestep").put("decode_timestep", t);
            Manifest.DecodeNoise noise = parse(ok).vae().decodeNoise();
            assertEquals(t, noise.timestep());
            assertEquals(t, noise.noiseScale(), "the noise scale defaults to the decode timestep");
        }
        for (double[] bad : new double[][] {{-0.01, 0.5}, {1.01, 0.5}, {0.5, -0.01}, {0.5, 1.01}}) {
            assertTrue(problems(Fixtures.UNET, m -> ((ObjectNode) m.get("vae")).put("timestep", "timestep")
                    .put("decode_timestep", bad[0]).put("decode_noise_scale", bad[1]))
                    .contains("vae.decode_timestep and vae.decode_noise_scale must be between 0 and 1"));
        }
        assertTrue(problems("wan/tiny-wan21", m -> ((ArrayNode) m.get("vae").get("cache_outputs")).remove(0))
                .contains("vae.cache_inputs and vae.cache_outputs must name the same number of caches"));
        assertTrue(problems(Fixtures.UNET, m -> ((ObjectNode) m.get("denoiser")).put("weights", "int8"))
                .contains("denoiser.weights must be fp32 or fp16"));
    }

    @Test
    void textThatIsNotOneUtf8JsonObjectIsNamed(@TempDir Path tmp) throws IOException {
        KinoException json = assertThrows(KinoException.class, () -> ManifestReader.parse("{\n\"kino\": 1,,}", "m"));
        assertTrue(json.getMessage().startsWith("The manifest m is not valid JSON (line 2)"), json.getMessage());
        KinoException array = assertThrows(KinoException.class, () -> ManifestReader.parse("[1]", "m"));
        assertEquals("The manifest m must hold one JSON object; fix the file.", array.getMessage());

        String valid = Files.readString(Fixtures.dir(Fixtures.UNET).resolve("kino.json"));
        Path bom = tmp.resolve("bom.json");
        Files.writeString(bom, "\uFEFF" + valid);
        assertEquals("fixture-unet3d-ddim", ManifestReader.read(bom).name(), "a UTF-8 byte-order mark is harmless");
        Path latin1 = tmp.resolve("latin1.json");
        Files.write(latin1, valid.replace("Random-weight", "Zufällig").getBytes(StandardCharsets.ISO_8859_1));
        KinoException bytes = assertThrows(KinoException.class, () -> ManifestReader.read(latin1));
        assertTrue(bytes.getMessage().endsWith("is not UTF-8 JSON (it holds bytes that are not UTF-8); save it as"
                + " UTF-8 text."), bytes.getMessage());
        for (byte[] start : new byte[][] {{(byte) 0xFE, (byte) 0xFF}, {(byte) 0xFF, (byte) 0xFE}, {'{', 0}}) {
            Path f = tmp.resolve("utf16.json");
            Files.write(f, start);
            KinoException e = assertThrows(KinoException.class, () -> ManifestReader.read(f));
            assertTrue(e.getMessage().contains("(it looks like UTF-16 or binary data)"), e.getMessage());
        }
        KinoException missing = assertThrows(KinoException.class, () -> ManifestReader.read(tmp.resolve("none.json")));
        assertTrue(missing.getMessage().startsWith("Cannot read the manifest " + tmp.resolve("none.json")),
                missing.getMessage());
    }

    @Test
    void aSecondTextEncoderReadsWithItsTokenizerTemplateAndRouting() throws IOException {
        Manifest m = parse(fixture("hunyuan/tiny-hunyuan"));
        assertEquals(2, m.textEncoders().size());
        Manifest.TextEncoder qwen = m.textEncoders().get(0);
        assertEquals("tokenizer.json", qwen.tokenizer());
        assertEquals(108, qwen.cropStart());
        assertEquals(1108, qwen.tokenizedLength(), "the tokenizer pads to the length before the crop");
        assertEquals(-3, qwen.layer());
        assertTrue(qwen.template().contains("{prompt}") && qwen.template().startsWith("<|im_start|>system"));
        Manifest.TextEncoder byt5 = m.textEncoders().get(1);
        assertEquals("tokenizer_2.json", byt5.tokenizer());
        assertEquals("encoder_hidden_states_2", byt5.denoiserInput());
        assertEquals("encoder_attention_mask_2", byt5.denoiserMask());
        assertEquals(new Manifest.Quoted("Text \"{}\"", ". ", ". "), byt5.quoted());
        assertEquals(Manifest.Sampling.LINSPACE_SIGMAS, m.sampling().sigmas());
        assertEquals("text_encoder_2.onnx", m.files().get("text encoder 2"));
        assertEquals("tokenizer_2.json", m.files().get("tokenizer 2"));
        assertTrue(parse(fixture(Fixtures.UNET)).extraTextEncoders().isEmpty(), "one-encoder manifests have none");
    }

    @Test
    void aBrokenSecondTextEncoderIsNamed() throws IOException {
        String s = problems("hunyuan/tiny-hunyuan", m -> {
            ObjectNode second = (ObjectNode) m.get("extra_text_encoders").get(0);
            second.remove("tokenizer");
            second.remove("denoiser_input");
            ((ObjectNode) m.get("text_encoder")).put("template", "no placeholder").put("layer", "last");
        });
        for (String problem : new String[] {"extra_text_encoders[0].tokenizer is missing",
                "extra_text_encoders[0].denoiser_input is missing",
                "text_encoder.template must contain {prompt} where the prompt goes",
                "text_encoder.layer must be a whole number"}) {
            assertTrue(s.contains(problem), problem + " in: " + s);
        }
        assertTrue(problems("hunyuan/tiny-hunyuan", m -> m.put("extra_text_encoders", "byt5"))
                .contains("extra_text_encoders must be a list of text encoder objects"));
    }
}
