package dev.kino.cli;

import dev.kino.shots.Shot;
import dev.kino.shots.ShotList;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** {@code index.html} of a render folder: every shot's takes as looping videos, with prompt, seed and file. */
final class IndexPage {
    private IndexPage() {
    }

    static void write(ShotList list, List<ContactSheet.Cell> cells, String sheet, Path html) throws IOException {
        StringBuilder s = new StringBuilder("""
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>%s · Kino</title>
                <style>
                body{background:#16181d;color:#e8e8e8;font:14px system-ui,sans-serif;margin:24px}
                h1{font-size:20px}h2{font-size:15px;margin:24px 0 8px}p.prompt{color:#9aa0aa;margin:0 0 8px}
                .takes{display:flex;gap:12px;flex-wrap:wrap}figure{margin:0;background:#20232a;padding:8px;border-radius:6px}
                video{width:256px;height:auto;display:block;image-rendering:pixelated}figcaption{font-size:12px;color:#9aa0aa;margin-top:6px}
                a{color:#7fb4ff}
                </style></head><body>
                <h1>%s</h1>
                <p>%d shots, %d takes · <a href="%s">contact sheet</a></p>
                """.formatted(esc(list.project()), esc(list.project()), list.shots().size(), cells.size(), esc(sheet)));
        for (Shot shot : list.shots()) {
            s.append("<h2>").append(String.format("%02d ", shot.index() + 1)).append(esc(shot.name())).append("</h2>\n");
            s.append("<p class=\"prompt\">").append(esc(shot.prompt())).append("</p>\n<div class=\"takes\">\n");
            for (ContactSheet.Cell c : cells) {
                if (c.take().shot().index() == shot.index()) {
                    String src = esc(c.mp4());
                    s.append("<figure><video src=\"").append(src).append("\" autoplay muted loop playsinline controls></video>")
                            .append("<figcaption>take ").append(c.take().take()).append(" · seed ").append(c.take().seed())
                            .append(" · <a href=\"").append(src).append("\" download>").append(src).append("</a></figcaption></figure>\n");
                }
            }
            s.append("</div>\n");
        }
        s.append("</body></html>\n");
        Path temp = html.resolveSibling("." + html.getFileName() + ".partial");
        Files.writeString(temp, s, StandardCharsets.UTF_8);
        Files.move(temp, html, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
