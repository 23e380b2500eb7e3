package dev.kino.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ai.onnxruntime.platform.Fp16Conversions;
import dev.kino.KinoException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A safetensors file read by hand: an 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets}, "__metadata__": {...}}} and the raw little-endian tensors.
 *
 * <p>Why no library: the format is that small, the only Java readers are bindings to the Rust crate (another
 * native library to ship) or DJL's PyTorch engine, and a LoRA is a few hundred MB at most, read once.
 * Every offset is checked against the file's size, so a truncated or damaged download is one sentence.
 */
final class SafetensorsFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;

    /** One tensor's place in the file. */
    record Entry(String dtype, long[] shape, long begin, long end) {
        long numel() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final Path file;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;
    private final long dataStart;

    private SafetensorsFile(Path file, Map<String, Entry> entries, Map<String, String> metadata, long dataStart) {
        this.file = file;
        this.entries = entries;
        this.metadata = metadata;
        this.dataStart = dataStart;
    }

    /** Reads and checks the header; the tensors are read on demand by {@link #floats}. */
    static SafetensorsFile open(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            if (size < 8 || ch.read(head, 0) != 8) {
                throw damaged(file, "it is shorter than a safetensors header");
            }
            long headerLength = head.getLong(0);
            if (headerLength <= 1 || headerLength > MAX_HEADER || 8 + headerLength > size) {
                throw damaged(file, "its header length " + headerLength + " does not fit its " + size + " bytes");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            ch.read(header, 8);
            JsonNode root;
            try {
                root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw damaged(file, "its header is not JSON");
            }
            if (root == null || !root.isObject()) {
                throw damaged(file, "its header is not a JSON object");
            }
            long dataLength = size - 8 - headerLength;
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("__metadata__")) {
                    f.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                entries.put(f.getKey(), entry(file, f.getKey(), f.getValue(), dataLength));
            }
            return new SafetensorsFile(file, Collections.unmodifiableMap(entries),
                    Collections.unmodifiableMap(metadata), 8 + headerLength);
        } catch (IOException e) {
            throw new KinoException("The LoRA file " + file + " cannot be read (" + e.getMessage()
                    + "); check the path and its permissions.", e);
        }
    }

    private static Entry entry(Path file, String name, JsonNode e, long dataLength) {
        JsonNode offsets = e.path("data_offsets");
        JsonNode shape = e.path("shape");
        String dtype = e.path("dtype").asText("");
        if (!offsets.isArray() || offsets.size() != 2 || !shape.isArray()) {
            throw damaged(file, "the header entry of " + name + " has no shape or data offsets");
        }
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = shape.get(i).asLong(-1);
            if (dims[i] < 0) {
                throw damaged(file, name + " has a negative dimension");
            }
        }
        Entry entry = new Entry(dtype, dims, offsets.get(0).asLong(-1), offsets.get(1).asLong(-1));
        int width = bytesPer(dtype);
        if (entry.begin < 0 || entry.end > dataLength || entry.end < entry.begin) {
            throw damaged(file, name + " lies outside the file (the download may be incomplete)");
        }
        if (width > 0 && entry.end - entry.begin != entry.numel() * width) {
            throw damaged(file, name + " has " + (entry.end - entry.begin) + " bytes for " + entry.numel()
                    + " " + dtype + " values");
        }
        return entry;
    }

    private static int bytesPer(String dtype) {
        return switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> 0;
        };
    }

    private static KinoException damaged(Path file, String why) {
        return new KinoException("The LoRA file " + file + " is damaged: " + why
                + "; download it again or check that it is a .safetensors file.");
    }

    Path file() {
        return file;
    }

    /** Tensor names in file order ({@code __metadata__} excluded). */
    Map<String, Entry> entries() {
        return entries;
    }

    /** The {@code __metadata__} strings (empty when there are none). */
    Map<String, String> metadata() {
        return metadata;
    }

    /** A tensor as float32 (F32, F16 and BF16 are read; other types are an error naming the key). */
    float[] floats(String name) {
        Entry e = entries.get(name);
        int width = bytesPer(e.dtype);
        if (width == 0) {
            throw new KinoException("The LoRA file " + file + " stores " + name + " as " + e.dtype
                    + "; Kino reads LoRA weights in F32, F16 or BF16.");
        }
        ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(e.end - e.begin)).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long at = dataStart + e.begin;
            while (bytes.hasRemaining()) {
                if (ch.read(bytes, at + bytes.position()) < 0) {
                    throw damaged(file, name + " is cut short");
                }
            }
        } catch (IOException ex) {
            throw new KinoException("The LoRA file " + file + " cannot be read (" + ex.getMessage() + ").", ex);
        }
        bytes.flip();
        float[] out = new float[Math.toIntExact(e.numel())];
        switch (e.dtype) {
            case "F32" -> bytes.asFloatBuffer().get(out);
            case "F16" -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Fp16Conversions.fp16ToFloat(bytes.getShort());
                }
            }
            default -> {   // BF16: the upper half of a float32
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float.intBitsToFloat((bytes.getShort() & 0xffff) << 16);
                }
            }
        }
        return out;
    }
}
