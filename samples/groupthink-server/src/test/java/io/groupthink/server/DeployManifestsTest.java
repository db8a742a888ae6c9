package io.groupthink.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.groupthink.spring.actuate.GroupThinkGauges;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Kubernetes manifests under {@code deploy/} parse and hang together: the model is mounted
 * read-only, the probes hit the actuator's liveness and readiness groups, the grace period covers
 * preStop plus the drain time, selectors and ports match across Deployment, Service and PDB, and the
 * autoscaler's metrics are gauges the server exports, mapped by the adapter rules.
 */
class DeployManifestsTest {

    static final Path DEPLOY = Path.of("../../deploy");

    @Test
    void everyManifestHasItsRequiredFields() throws IOException {
        List<Map<String, Object>> docs = all();
        assertThat(docs).extracting(d -> d.get("kind"))
                .contains("Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler");
        for (Map<String, Object> d : docs) {
            assertThat(d).as("manifest").containsKeys("apiVersion", "kind", "metadata");
            assertThat(str(d, "metadata.name")).as("%s name", d.get("kind")).isNotBlank();
        }
    }

    @Test
    void theDeploymentMountsTheModelReadOnlyProbesTheActuatorAndOutwaitsTheDrain() throws IOException {
        Map<String, Object> deployment = kind("Deployment");
        Map<String, Object> labels = map(deployment, "spec.template.metadata.labels");
        assertThat(labels).containsAllEntriesOf(map(deployment, "spec.selector.matchLabels"));
        Map<String, Object> container = list(deployment, "spec.template.spec.containers").get(0);

        Map<String, Object> mount = list(container, "volumeMounts").get(0);
        assertThat(mount.get("readOnly")).isEqualTo(true);
        Map<String, Object> volume = list(deployment, "spec.template.spec.volumes").stream()
                .filter(v -> v.get("name").equals(mount.get("name"))).findFirst().orElseThrow();
        assertThat(str(volume, "persistentVolumeClaim.readOnly")).isEqualTo("true");
        assertThat(str(container, "args")).contains("--groupthink.model.path=" + mount.get("mountPath"));

        String port = str(list(container, "ports").get(0), "name");
        assertThat(str(container, "readinessProbe.httpGet.path")).isEqualTo("/actuator/health/readiness");
        assertThat(str(container, "livenessProbe.httpGet.path")).isEqualTo("/actuator/health/liveness");
        assertThat(str(container, "readinessProbe.httpGet.port")).isEqualTo(port);
        assertThat(str(container, "livenessProbe.httpGet.port")).isEqualTo(port);

        Matcher drain = Pattern.compile("timeout-per-shutdown-phase=(\\d+)s").matcher(str(container, "args"));
        assertThat(drain.find()).as("drain time set in args").isTrue();
        List<?> preStop = (List<?>) get(container, "lifecycle.preStop.exec.command");
        int sleep = Integer.parseInt(String.valueOf(preStop.get(preStop.size() - 1)));
        int grace = (Integer) get(deployment, "spec.template.spec.terminationGracePeriodSeconds");
        assertThat(grace).as("terminationGracePeriodSeconds > preStop + drain")
                .isGreaterThan(sleep + Integer.parseInt(drain.group(1)));
    }

    @Test
    void serviceAndDisruptionBudgetSelectTheDeploymentsPods() throws IOException {
        Map<String, Object> labels = map(kind("Deployment"), "spec.template.metadata.labels");
        Map<String, Object> service = kind("Service");
        assertThat(labels).containsAllEntriesOf(map(service, "spec.selector"));
        String port = str(list(list(kind("Deployment"), "spec.template.spec.containers").get(0), "ports").get(0),
                "name");
        assertThat(str(list(service, "spec.ports").get(0), "targetPort")).isEqualTo(port);
        assertThat(labels).containsAllEntriesOf(map(kind("PodDisruptionBudget"), "spec.selector.matchLabels"));
    }

    @Test
    void theAutoscalerUsesMetricsTheServerExportsThroughTheAdapter() throws IOException {
        Map<String, Object> hpa = kind("HorizontalPodAutoscaler");
        assertThat(str(hpa, "spec.scaleTargetRef.name")).isEqualTo(str(kind("Deployment"), "metadata.name"));
        String rules = str(kind("ConfigMap"), "data");
        List<String> exported = List.of(prometheus(GroupThinkGauges.QUEUED_SESSIONS),
                prometheus(GroupThinkGauges.KV_BYTES), prometheus(GroupThinkGauges.KV_CAPACITY_BYTES));
        for (Map<String, Object> metric : list(hpa, "spec.metrics")) {
            String name = str(metric, "pods.metric.name");
            assertThat(rules).as("adapter rule for %s", name).contains("as: " + name);
        }
        Matcher series = Pattern.compile("groupthink_[a-z_]+").matcher(rules);
        while (series.find()) {
            String s = series.group();
            if (!s.equals("groupthink_kv_utilisation")) {
                assertThat(exported).as("series %s is exported by the server", s).contains(s);
            }
        }
    }

    /** Micrometer's Prometheus naming: dots to underscores (gauges get no suffix). */
    private static String prometheus(String meter) {
        return meter.replace('.', '_');
    }

    private static List<Map<String, Object>> all() throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (var files = Files.list(DEPLOY)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                for (Object doc : new Yaml().loadAll(Files.readString(f))) {
                    if (doc != null) {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> m = (Map<String, Object>) doc;
                        docs.add(m);
                    }
                }
            }
        }
        return docs;
    }

    private static Map<String, Object> kind(String kind) throws IOException {
        return all().stream().filter(d -> kind.equals(d.get("kind"))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " under deploy/"));
    }

    private static Object get(Map<String, Object> root, String path) {
        Object at = root;
        for (String key : path.split("\\.")) {
            assertThat(at).as("%s (at %s)", path, key).isInstanceOf(Map.class);
            at = ((Map<?, ?>) at).get(key);
            assertThat(at).as("%s is missing (at %s)", path, key).isNotNull();
        }
        return at;
    }

    private static String str(Map<String, Object> root, String path) {
        return String.valueOf(get(root, path));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> root, String path) {
        return (Map<String, Object>) get(root, path);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> root, String path) {
        return (List<Map<String, Object>>) get(root, path);
    }
}
