/**
 * Shot lists: a project's shots, each rendered as several seeded takes.
 *
 * <p>Data flow: a file (JSON or YAML) → {@link dev.kino.shots.ShotListReader} (every problem at once, with its
 * line and field) → {@link dev.kino.shots.ShotList} → {@link dev.kino.shots.ShotList#takes()} → one
 * {@link dev.kino.shots.Take} per (shot, take): its seed ({@link dev.kino.shots.TakeSeeds}), the
 * {@link dev.kino.pipeline.GenerationRequest} to render and a stable request hash. Shots may start from pictures
 * (found through {@link dev.kino.shots.PictureFiles}) or continue from another shot's take;
 * {@link dev.kino.shots.ShotList#renderOrder()} renders sources first. The format is documented in
 * {@code examples/shots/README.md}. {@code kino render}, the render server and the Spark job all read shot lists
 * through this package, so the same file gives the same takes and the same seeds everywhere.
 */
package dev.kino.shots;
