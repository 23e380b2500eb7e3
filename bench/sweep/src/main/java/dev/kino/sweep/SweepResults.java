package dev.kino.sweep;

import dev.kino.pipeline.ResolvedSettings;
import dev.kino.sweep.measure.MachineInfo;

import java.nio.file.Path;
import java.util.List;

/**
 * A finished sweep: every cell of the grid and the references they were compared with, in grid order.
 *
 * @param folder      the --out folder
 * @param settings    what all cells share (frames, size, fps, negative prompt, provider)
 * @param model       the model package
 * @param machine     the machine this process ran on (each cell also records its own)
 * @param cells       one result per grid cell
 * @param references  one result per reference run used
 * @param ran         runs done by this invocation (references included)
 * @param reused      cells and references found finished in the folder
 * @param outsideGrid finished cells in the folder that this grid does not include (kept, not reported)
 * @param warnings    things to know before trusting the figures
 */
public record SweepResults(Path folder, ResolvedSettings settings, CellResult.ModelInfo model, MachineInfo machine,
                           List<CellResult> cells, List<CellResult> references, int ran, int reused,
                           int outsideGrid, List<String> warnings) {
}
