package io.groupthink.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The page in real headless Chromium (Debian's chromium and chromium-driver, which .ci/run
 * installs): a question fills one lane per thinker token by token, then the final answer and the
 * stats appear. Screenshots go to target/screenshots/. Skipped where Chromium is not installed.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("tiny")
class BrowserTest {

    static final Path CHROMIUM = Paths.get("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Paths.get("/usr/bin/chromedriver");
    static ChromeDriver driver;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        registry.add("groupthink.model.path", () -> io.groupthink.engine.TestModels.stories().toString());
    }

    @BeforeAll
    static void chromium() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Debian's chromium and chromium-driver are not installed (.ci/run installs them)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--user-data-dir=" + Files.createTempDirectory("chromium-profile"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
    }

    @AfterAll
    static void quit() {
        if (driver != null) {
            driver.quit();
        }
    }

    @Test
    void lanesFillTokenByTokenAndTheAnswerAppears() throws IOException {
        WebDriverWait wait = openPage(Duration.ofSeconds(90));
        WebElement question = driver.findElement(By.id("question"));
        question.clear();
        question.sendKeys("Tom and Lily found a red ball.");
        setValue("thinkers", "3");
        // record lane 1's length at every change the page makes: polling from the test would miss a
        // run that streams faster than one WebDriver round trip
        ((JavascriptExecutor) driver).executeScript("""
                window.laneLengths = new Set();
                new MutationObserver(() => {
                  const t = document.querySelector('.lane .text');
                  if (t) window.laneLengths.add(t.textContent.length);
                }).observe(document.body, {subtree: true, childList: true, characterData: true});""");
        driver.findElement(By.id("run")).click();

        wait.until(d -> !d.findElements(By.cssSelector(".run.finished")).isEmpty());
        List<WebElement> lanes = driver.findElements(By.cssSelector(".lane .text"));
        assertThat(lanes).hasSize(3);
        assertThat(lanes).allMatch(l -> !l.getText().isBlank());
        List<?> lengths = (List<?>) ((JavascriptExecutor) driver).executeScript("return Array.from(window.laneLengths)");
        TreeSet<Integer> seen = new TreeSet<>();
        lengths.forEach(n -> seen.add(((Number) n).intValue()));
        assertThat(seen.subSet(1, Integer.MAX_VALUE)).as("intermediate lane lengths seen while streaming").hasSizeGreaterThan(2);
        WebElement answer = driver.findElement(By.cssSelector(".answer"));
        assertThat(answer.isDisplayed()).isTrue();
        assertThat(driver.findElement(By.cssSelector(".answer-text")).getText()).isNotBlank();
        assertThat(driver.findElement(By.cssSelector(".stats")).getText()).contains("steps").contains("tok/s")
                .contains("KV");
        screenshot("demo-lanes.png");
    }

    @Test
    void compareViewRunsTheThreeModesSideBySide() throws IOException {
        WebDriverWait wait = openPage(Duration.ofSeconds(120));
        setValue("thinkers", "3");
        driver.findElement(By.id("compare")).click();
        wait.until(d -> d.findElements(By.cssSelector(".run.finished")).size() == 3);
        List<WebElement> runs = driver.findElements(By.cssSelector(".run"));
        assertThat(runs).extracting(r -> r.getAttribute("data-mode")).containsExactly("group", "independent", "cot");
        assertThat(runs.get(2).findElements(By.cssSelector(".lane"))).hasSize(1);
        screenshot("demo-compare.png");
    }

    @Test
    void inRoundsTheLanesClearAtEachBoundaryAndTheNotesShowBetweenRounds() throws IOException {
        WebDriverWait wait = openPage(Duration.ofSeconds(90));
        setValue("thinkers", "2");
        driver.findElement(By.id("in-rounds")).click();
        assertThat(driver.findElement(By.id("round-fields")).isDisplayed()).isTrue();
        assertThat(driver.findElement(By.id("budget")).isEnabled()).as("S is the budget in rounds").isFalse();
        assertThat(driver.findElement(By.id("segment")).getAttribute("value")).as("the server's default S")
                .isEqualTo("12");
        setValue("rounds", "3");
        setValue("segment", "8");
        setValue("summary", "6");
        // at every change the page makes, note the round on show, the lanes' total length and the notes shown
        ((JavascriptExecutor) driver).executeScript("""
                window.states = [];
                new MutationObserver(() => {
                  const label = document.querySelector('.run-title .round');
                  if (!label) return;
                  const lanes = [...document.querySelectorAll('.lane .text')].reduce((n, t) => n + t.textContent.length, 0);
                  const state = [label.textContent, lanes, document.querySelectorAll('.summary').length];
                  const last = window.states[window.states.length - 1];
                  if (!last || last.join() !== state.join()) window.states.push(state);
                }).observe(document.body, {subtree: true, childList: true, characterData: true});""");
        driver.findElement(By.id("run")).click();

        wait.until(d -> !d.findElements(By.cssSelector(".run.finished")).isEmpty());
        String stats = driver.findElement(By.cssSelector(".stats")).getText();
        assertThat(stats).contains("rounds").contains("peak KV");
        int rounds = Integer.parseInt(stats.replaceAll("(?s).*rounds (\\d+).*", "$1"));
        assertThat(rounds).isBetween(1, 3);
        List<WebElement> notes = driver.findElements(By.cssSelector(".summary"));
        assertThat(notes).hasSize(rounds);
        assertThat(notes).allMatch(n -> !n.findElement(By.cssSelector(".summary-text")).getText().isBlank());
        assertThat(driver.findElement(By.cssSelector(".run-title .round")).getText()).isEqualTo("round " + rounds
                + " of 3");

        // Each later round starts with the lanes cleared and the notes of every round before it on show;
        // the round before had written something into them.
        List<?> states = (List<?>) ((JavascriptExecutor) driver).executeScript("return window.states");
        List<String> atRoundStart = new java.util.ArrayList<>();
        String round = "";
        long written = 0;
        for (Object o : states) {
            List<?> state = (List<?>) o;
            long lanes = ((Number) state.get(1)).longValue();
            if (!state.get(0).equals(round)) {
                round = (String) state.get(0);
                atRoundStart.add(round + ": lanes " + lanes + ", notes " + state.get(2) + ", before " + (written > 0));
            }
            written = lanes;
        }
        List<String> expected = new java.util.ArrayList<>();
        for (int r = 1; r <= rounds; r++) {
            expected.add("round " + r + " of 3: lanes 0, notes " + (r - 1) + ", before " + (r > 1));
        }
        assertThat(atRoundStart).isEqualTo(expected);
        assertThat(driver.findElement(By.cssSelector(".answer-text")).getText()).isNotBlank();
        screenshot("demo-rounds.png");
    }

    @Test
    void aRefusedRequestShowsTheServersReason() throws IOException {
        WebDriverWait wait = openPage(Duration.ofSeconds(60));
        setValue("thinkers", "8");
        setValue("budget", "400"); // 8 x 400 tokens cannot fit stories260K's 512-token context
        driver.findElement(By.id("run")).click();
        wait.until(d -> d.findElement(By.cssSelector(".run .error")).isDisplayed());
        assertThat(driver.findElement(By.cssSelector(".run .error")).getText())
                .contains("but the model's context is 512");
        assertThat(driver.findElement(By.id("run")).isEnabled()).as("the page is ready for another run").isTrue();
        screenshot("demo-refused.png");
    }

    /** Loads the page and waits until it has described the model; the wait serves the test after. */
    @Test
    void thePageAsksAgainForTheModelWhenItsFirstRequestHangs() {
        // the page's first request for the model's description never gets an answer, as on a connection the
        // server stopped reading (Reactor Netty before 1.3.8), until the page gives up on it; the wrapper,
        // installed before any of the page's own scripts run, counts the requests
        Map<String, Object> added = driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", """
                window.modelRequests = 0;
                const realFetch = window.fetch;
                window.fetch = (url, options, ...rest) => {
                  if (String(url).includes('api/model') && window.modelRequests++ === 0) {
                    return new Promise((resolve, reject) => {
                      const signal = options && options.signal;
                      if (signal) signal.addEventListener('abort', () => reject(signal.reason));
                    });
                  }
                  return realFetch(url, options, ...rest);
                };"""));
        try {
            openPage(Duration.ofSeconds(60));
            assertThat(((Number) ((JavascriptExecutor) driver).executeScript("return window.modelRequests")).intValue())
                    .as("requests for the model's description").isEqualTo(2);
            assertThat(driver.findElement(By.id("segment")).getAttribute("value")).as("the server's defaults, filled in")
                    .isEqualTo("12");
        } finally {
            driver.executeCdpCommand("Page.removeScriptToEvaluateOnNewDocument", Map.of("identifier", added.get("identifier")));
        }
    }

    private WebDriverWait openPage(Duration timeout) {
        driver.get("http://localhost:" + port + "/");
        WebDriverWait wait = new WebDriverWait(driver, timeout);
        wait.until(d -> d.findElement(By.id("model")).getText().contains("llama"));
        return wait;
    }

    private void setValue(String id, String value) {
        WebElement e = driver.findElement(By.id(id));
        e.clear();
        e.sendKeys(value);
    }

    private void screenshot(String name) throws IOException {
        Path dir = Paths.get("target", "screenshots");
        Files.createDirectories(dir);
        Path png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(png, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
}
