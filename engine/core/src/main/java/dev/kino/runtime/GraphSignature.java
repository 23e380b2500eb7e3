package dev.kino.runtime;

import java.nio.file.Path;
import java.util.Map;

/**
 * The inputs and outputs an ONNX graph declares, without the graph: what planning and the manifest check need.
 * {@link #read} parses them from the file's header with no ONNX Runtime session (weights are skipped, not read);
 * {@link OnnxModel#signature()} gives the same from an open session.
 *
 * @param role    what the graph is in the package (e.g. {@code denoiser}), for messages
 * @param file    the ONNX file
 * @param inputs  inputs by name, in the graph's order (initializers a graph also lists as inputs left out, as
 *                ONNX Runtime does)
 * @param outputs outputs by name, as the file declares them (an open session may know more of their dimensions:
 *                ONNX Runtime infers symbolic output dimensions where it can)
 */
public record GraphSignature(String role, Path file, Map<String, Port> inputs, Map<String, Port> outputs) {

    public GraphSignature {
        inputs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(inputs));
        outputs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(outputs));
    }

    /**
     * Reads the signature of the ONNX file {@code file}.
     *
     * @throws dev.kino.KinoException (one sentence) when the file is not an ONNX model
     */
    public static GraphSignature read(Path file, String role) {
        return OnnxHeader.read(file, role);
    }
}
