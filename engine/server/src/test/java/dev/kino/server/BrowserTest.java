package dev.kino.server;

import dev.kino.video.Mp4Reader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real browser (Debian's headless Chromium through Selenium) drives the page: submits a 2-shot × 2-take project,
 * watches it finish, checks every take's video plays, picks takes, builds the cut and downloads it.
 * {@code -Dkino.screenshot=FILE} also saves a picture of the project view (the README's).
 */
class BrowserTest {
    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String DRIVER = "/usr/bin/chromedriver";
    @TempDir
    Path tmp;
    private TestServer server;
    private ChromeDriver browser;

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aStudioSubmitsAProjectPicksTakesAndDownloadsTheCut() throws Exception {
        assertTrue(Files.isExecutable(Path.of(CHROMIUM)) && Files.isExecutable(Path.of(DRIVER)),
                "this test needs Debian's chromium and chromium-driver: apt-get install chromium chromium-driver (.ci/run does)");
        server = new TestServer(tmp.resolve("data"));
        Path downloads = Files.createDirectories(tmp.resolve("downloads"));
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--autoplay-policy=no-user-gesture-required", "--window-size=1440,1400");
        options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
                "download.prompt_for_download", false));
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER)).build(), options);
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(180), Duration.ofMillis(200));
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class); // the queue re-renders on every event

        browser.get(server.base + "/#token=" + server.server.token());
        wait.until(d -> d.findElement(By.id("status")).getText().contains("queued"));
        assertEquals(server.base + "/", browser.getCurrentUrl(), "the token leaves the address bar");

        browser.findElement(By.id("mode-shots")).click();
        WebElement list = browser.findElement(By.id("f-shots"));
        list.clear();
        list.sendKeys("""
                {"project": "browser", "seed": 9, "defaults": {"steps": 4, "takes": 2},
                 "shots": [{"name": "open", "prompt": "a purple circle moving right"},
                           {"name": "close", "prompt": "a yellow square moving left"}]}""");
        browser.findElement(By.id("shots-submit")).click();
        wait.until(d -> d.findElements(By.cssSelector(".take")).size() == 4);
        wait.until(d -> d.findElements(By.cssSelector(".take[data-state=succeeded]")).size() == 4);
        assertTrue(browser.findElement(By.cssSelector(".summary")).getText().contains("4/4 takes finished"));

        // Every take's video plays: its clock advances.
        List<WebElement> videos = browser.findElements(By.cssSelector(".take video"));
        assertEquals(4, videos.size());
        JavascriptExecutor js = browser;
        for (WebElement v : videos) {
            wait.until(d -> (Long) js.executeScript("return arguments[0].readyState", v) >= 2);
            Object advanced = js.executeAsyncScript("""
                    const v = arguments[0], done = arguments[arguments.length - 1];
                    v.play().catch(() => {});
                    const t0 = v.currentTime;
                    setTimeout(() => done(v.currentTime !== t0 && !v.error), 700);""", v);
            assertEquals(Boolean.TRUE, advanced, "video " + v.getAttribute("src") + " plays");
        }

        // The queue shows every take done.
        browser.findElement(By.tagName("body")).sendKeys("q");
        wait.until(d -> d.findElement(By.id("view-queue")).isDisplayed());
        wait.until(d -> d.findElements(By.cssSelector("#queue-body tr[data-state=succeeded] [role=progressbar][aria-valuenow='100']")).size() >= 4);
        browser.findElement(By.tagName("body")).sendKeys("p");

        // Pick take 2 of each shot with the keyboard, build the cut, download it.
        for (String shot : List.of("open", "close")) {
            WebElement pick = browser.findElements(By.cssSelector("section[data-shot=" + shot + "] .take button.pick")).get(1);
            wait.until(d -> pick.isDisplayed());
            pick.sendKeys(" ");
            wait.until(d -> "true".equals(pick.getAttribute("aria-pressed")));
        }
        WebElement build = browser.findElement(By.id("build-cut"));
        wait.until(d -> build.isEnabled());
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1440, 600)); // the cut lands below the fold
        js.executeScript("window.scrollTo(0, 0); document.querySelector('#view-projects').scrollTop = 0;");
        js.executeScript("arguments[0].click()", build); // a script click: Selenium's own would scroll to the button
        WebElement download = wait.until(d -> d.findElement(By.id("cut-download")));
        assertEquals("32 frames", browser.findElement(By.id("cut-frames")).getText());
        WebElement cutVideo = browser.findElement(By.id("cut-video"));
        try {
            new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> (Boolean) js.executeScript(
                    "const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight;",
                    cutVideo)); // scrolled into view
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("the finished cut is not scrolled into view: " + js.executeScript("const r = arguments[0].getBoundingClientRect(); return"
                    + " JSON.stringify({top: r.top, bottom: r.bottom, h: window.innerHeight, sy: window.scrollY,"
                    + " vp: document.querySelector('#view-projects').scrollTop, same: document.getElementById('cut-video') === arguments[0]})", cutVideo), e);
        }
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1440, 1400));
        assertTrue(!browser.findElement(By.id("project")).getText().contains("null"), "no stray nulls on the page");
        String shot = System.getProperty("kino.screenshot");
        if (shot != null) {
            js.executeScript("window.scrollTo(0, 0); document.querySelector('#view-projects').scrollTop = 0;");
            Thread.sleep(500);
            Files.write(Path.of(shot), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        }
        download.click();
        Path file = downloads.resolve("browser-cut.mp4");
        wait.until(d -> Files.exists(file) && noPartials(downloads));
        assertEquals(32, Mp4Reader.read(file).frames().count(), "the cut holds the picked takes' 16 + 16 frames");

        // The queue names each take's project; deleting asks first, and a picked take's pick is never dropped silently.
        browser.findElement(By.tagName("body")).sendKeys("q");
        WebElement picked = wait.until(d -> d.findElement(By.cssSelector("#job-" + pickedId("open") + " .job-title")));
        assertEquals("browser · open · take 2", picked.getText());
        browser.findElement(By.cssSelector("#job-" + pickedId("open") + " button[aria-label^=Delete]")).click();
        wait.until(d -> ExpectedConditions.alertIsPresent().apply(d)).accept(); // "Delete …?"
        Alert unpick = wait.until(d -> ExpectedConditions.alertIsPresent().apply(d));
        assertTrue(unpick.getText().contains("is the picked take of its shot"), unpick.getText());
        unpick.dismiss();
        Thread.sleep(500);
        assertEquals(pickedId("open"), server.call("GET", "/api/projects/" + projectId(), null).json()
                .path("shots").get(0).path("pick").asText(), "the pick stays");
        String other = otherTake("open");
        browser.findElement(By.cssSelector("#job-" + other + " button[aria-label^=Delete]")).click();
        wait.until(d -> ExpectedConditions.alertIsPresent().apply(d)).dismiss();
        Thread.sleep(300);
        assertEquals(200, server.call("GET", "/api/jobs/" + other, null).status(), "not deleted without a yes");
        browser.findElement(By.cssSelector("#job-" + other + " button[aria-label^=Delete]")).click();
        wait.until(d -> ExpectedConditions.alertIsPresent().apply(d)).accept();
        wait.until(d -> d.findElements(By.id("job-" + other)).isEmpty());

        // Words the model does not know: the page says so on the job.
        String unknown = server.call("POST", "/api/jobs", "{\"prompt\": \"a purple flibbertigibbet\", \"steps\": 1}")
                .json().path("id").asText();
        wait.until(d -> d.findElement(By.id("job-" + unknown)).getText()
                .contains("The model does not know these words of the prompt, so they were ignored: flibbertigibbet."));
    }

    private String projectId() {
        return server.call("GET", "/api/projects", null).json().get(0).path("id").asText();
    }

    private String pickedId(String shot) {
        for (com.fasterxml.jackson.databind.JsonNode s : server.call("GET", "/api/projects/" + projectId(), null).json().path("shots")) {
            if (s.path("name").asText().equals(shot)) {
                return s.path("pick").asText();
            }
        }
        throw new AssertionError("no shot " + shot);
    }

    private String otherTake(String shot) {
        String pick = pickedId(shot);
        for (com.fasterxml.jackson.databind.JsonNode s : server.call("GET", "/api/projects/" + projectId(), null).json().path("shots")) {
            for (com.fasterxml.jackson.databind.JsonNode t : s.path("takes")) {
                if (s.path("name").asText().equals(shot) && !t.path("id").asText().equals(pick)) {
                    return t.path("id").asText();
                }
            }
        }
        throw new AssertionError("no other take of " + shot);
    }

    @Test
    void moreThanFiveHundredJobsAndTwentyShotsCanBeReached() throws Exception {
        assertTrue(Files.isExecutable(Path.of(CHROMIUM)) && Files.isExecutable(Path.of(DRIVER)),
                "this test needs Debian's chromium and chromium-driver: apt-get install chromium chromium-driver (.ci/run does)");
        server = new TestServer(tmp.resolve("data"), 1);
        // 24 shots of 25 takes that continue from a shot nobody picks: 600 jobs that wait, without rendering.
        StringBuilder list = new StringBuilder("{\"project\": \"many\", \"defaults\": {\"steps\": 1}, \"shots\": ["
                + "{\"name\": \"a\", \"prompt\": \"a red circle\"}");
        for (int i = 0; i < 24; i++) {
            list.append(", {\"name\": \"w").append(i).append("\", \"prompt\": \"a blue square\", \"takes\": 25,"
                    + " \"continue_from\": \"a\"}");
        }
        list.append("]}");
        TestServer.Reply made = server.call("POST", "/api/projects", list.toString());
        assertEquals(201, made.status(), made.body());
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER)).build(),
                new ChromeOptions().setBinary(CHROMIUM).addArguments("--headless=new", "--no-sandbox",
                        "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1200,900"));
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(120), Duration.ofMillis(200));
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        browser.get(server.base + "/#token=" + server.server.token());
        wait.until(d -> d.findElements(By.cssSelector("#queue-body tr")).size() == 500);
        WebElement more = browser.findElement(By.id("queue-more"));
        assertTrue(more.isDisplayed(), "a full first page offers the next one");
        more.click();
        wait.until(d -> d.findElements(By.cssSelector("#queue-body tr")).size() == 601);
        wait.until(d -> !d.findElement(By.id("queue-more")).isDisplayed());

        // The project's 25 shots come 20 at a time.
        browser.findElement(By.tagName("body")).sendKeys("p");
        wait.until(d -> d.findElements(By.cssSelector("section.shot")).size() == 20);
        WebElement moreShots = browser.findElement(By.id("shots-more"));
        assertTrue(moreShots.isDisplayed());
        moreShots.click();
        wait.until(d -> d.findElements(By.cssSelector("section.shot")).size() == 25);
        wait.until(d -> !d.findElement(By.id("shots-more")).isDisplayed());
        assertTrue(browser.findElement(By.cssSelector(".summary")).getText().startsWith("25 shots"));
    }

    private static boolean noPartials(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.noneMatch(p -> p.toString().endsWith(".crdownload"));
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
