package io.nsps.connector.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.nsps.connector.spi.ConfigValues;
import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The deployment files of deploy/, read as their platforms read them (Kubernetes manifests into
 * Kubernetes' own types, fabric8's model, where a misspelt field lands in no property and is
 * reported), and checked for what docs/deploy.md promises: two replicas on PostgreSQL, secrets as
 * files, probes on /health, a drain longer than SHUTDOWN_GRACE, a disruption budget, a locked-down
 * container sized from the benchmark; the same rules for Docker Compose, Cloud Run and App Runner.
 */
final class DeploymentManifestsTest {

    private static final Path DEPLOY = Path.of("..", "deploy");
    /** Settings that hold secrets: never a plain value in a deployment file. */
    private static final Pattern SECRET = Pattern.compile("(?:^|_)(TOKEN|PASSWORD|SECRET|CLIENT_SECRET|PRIVATE_KEY)$");
    /** The most RSS measured (docs/performance.md: 64 connections, bursts of 1 MB events). */
    private static final long MEASURED_PEAK_RSS_MB = 181;

    private static final ObjectMapper YAML = YAMLMapper.builder().build();
    private static final ObjectMapper KUBERNETES = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    private static List<HasMetadata> kubernetes;

    @BeforeAll
    static void readTheManifests() throws IOException {
        kubernetes = new ArrayList<>();
        for (String file : List.of("kubernetes/nsps-connector.yaml", "kubernetes/secret.example.yaml")) {
            try (var parser = new YAMLFactory().createParser(DEPLOY.resolve(file).toFile())) {
                for (JsonNode document : YAML.readValues(parser, JsonNode.class).readAll()) {
                    kubernetes.add(typed(document));
                }
            }
        }
    }

    @Test
    void everyFieldOfEveryManifestIsAKubernetesField() {
        for (HasMetadata resource : kubernetes) {
            assertThat(unknownFields(resource, resource.getKind())).as("fields Kubernetes does not know in %s", resource.getKind()).isEmpty();
        }
    }

    @Test
    void twoReplicasShareThePostgresStore() {
        Deployment deployment = one(Deployment.class);
        Map<String, EnvVar> env = env(container());

        assertThat(deployment.getSpec().getReplicas()).isGreaterThanOrEqualTo(2);
        assertThat(env.get("STATE_STORE").getValue()).isEqualTo("postgres");
        assertThat(env.get("STATE_DB_URL").getValue()).startsWith("jdbc:postgresql://");
        assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
    }

    @Test
    void secretsAreFilesOfAMountedSecret() {
        Container container = container();
        Map<String, EnvVar> env = env(container);
        List<String> secretFiles = env.keySet().stream().filter(name -> name.endsWith("_FILE")).toList();

        assertThat(env.keySet()).as("no secret as a plain setting").noneMatch(name -> SECRET.matcher(name).find());
        // MANAGEMENT_TOKEN: the operator's journal and replay, which are refused without it.
        assertThat(secretFiles).contains("API_TOKEN_FILE", "STATE_DB_PASSWORD_FILE", "MANAGEMENT_TOKEN_FILE");
        VolumeMount secrets = container.getVolumeMounts().stream().filter(mount -> Boolean.TRUE.equals(mount.getReadOnly()))
                .filter(mount -> podSpec().getVolumes().stream().anyMatch(v -> v.getName().equals(mount.getName()) && v.getSecret() != null))
                .findFirst().orElseThrow(() -> new AssertionError("no read-only mount of a Secret"));
        Secret secret = one(Secret.class);
        for (String name : secretFiles) {
            String file = env.get(name).getValue();
            assertThat(file).as(name).startsWith(secrets.getMountPath() + "/");
            assertThat(secret.getStringData()).as("the Secret has %s's key", name).containsKey(file.substring(secrets.getMountPath().length() + 1));
        }
    }

    @Test
    void probesAskHealthAndTheDrainOutlastsShutdownGrace() {
        Container container = container();
        for (Probe probe : List.of(container.getReadinessProbe(), container.getLivenessProbe(), container.getStartupProbe())) {
            assertThat(probe.getHttpGet().getPath()).isEqualTo("/health");
            assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo(container.getPorts().get(0).getName());
        }
        Duration grace = Optional.ofNullable(env(container).get("SHUTDOWN_GRACE")).map(EnvVar::getValue).map(ConfigValues::parseDuration)
                .orElse(Duration.ofSeconds(10));
        long preStop = container.getLifecycle().getPreStop().getSleep().getSeconds();

        assertThat(podSpec().getTerminationGracePeriodSeconds()).as("preStop + SHUTDOWN_GRACE + time to exit")
                .isGreaterThan(preStop + grace.toSeconds());
        assertThat(container.getLivenessProbe().getFailureThreshold() * container.getLivenessProbe().getPeriodSeconds())
                .as("liveness gives a database outage a while before restarting").isGreaterThanOrEqualTo(60);
    }

    @Test
    void aDisruptionBudgetKeepsOneReplicaAndTheServiceReachesThePods() {
        PodDisruptionBudget budget = one(PodDisruptionBudget.class);
        Map<String, String> podLabels = one(Deployment.class).getSpec().getTemplate().getMetadata().getLabels();

        assertThat(budget.getSpec().getMinAvailable().getIntVal()).isGreaterThanOrEqualTo(1);
        assertThat(podLabels).containsAllEntriesOf(budget.getSpec().getSelector().getMatchLabels());
        assertThat(podLabels).containsAllEntriesOf(one(Service.class).getSpec().getSelector());
    }

    @Test
    void theContainerIsLockedDownAndSizedFromTheBenchmark() {
        PodSpec pod = podSpec();
        Container container = container();

        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).as("the image's user").isEqualTo(10001L);
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getVolumeMounts()).as("a writable /tmp under the read-only root").anyMatch(m -> m.getMountPath().equals("/tmp"));
        long limitMb = Quantity.getAmountInBytes(container.getResources().getLimits().get("memory")).longValue() >> 20;
        long requestMb = Quantity.getAmountInBytes(container.getResources().getRequests().get("memory")).longValue() >> 20;
        assertThat(limitMb).as("memory limit against the measured peak RSS").isGreaterThanOrEqualTo(MEASURED_PEAK_RSS_MB * 3 / 2);
        assertThat(requestMb).isGreaterThanOrEqualTo(MEASURED_PEAK_RSS_MB);
        assertThat(container.getResources().getRequests()).containsKey("cpu");
    }

    @Test
    void composeRunsTheConnectorOnPostgresWithSecretFiles() throws IOException {
        JsonNode compose = YAML.readTree(DEPLOY.resolve("compose/compose.yaml").toFile());
        JsonNode connector = compose.path("services").path("connector");
        JsonNode env = connector.path("environment");

        assertThat(env.path("STATE_STORE").asText()).isEqualTo("postgres");
        assertThat(env.path("API_TOKEN_FILE").asText()).isEqualTo("/run/secrets/api-token");
        assertThat(env.path("STATE_DB_PASSWORD_FILE").asText()).isEqualTo("/run/secrets/state-db-password");
        assertThat(env.path("MANAGEMENT_TOKEN_FILE").asText()).isEqualTo("/run/secrets/management-token");
        assertThat(connector.path("secrets")).extracting(JsonNode::asText).contains("api-token", "management-token", "state-db-password");
        assertThat(compose.path("secrets").path("management-token").path("environment").asText()).isEqualTo("MANAGEMENT_TOKEN");
        assertThat(connector.path("ports")).extracting(JsonNode::asText)
                .as("the management port, on the host's loopback only").contains("127.0.0.1:${MANAGEMENT_PORT:-8081}:8081");
        assertThat(names(env)).noneMatch(name -> SECRET.matcher(name).find());
        assertThat(connector.path("depends_on").path("postgres").path("condition").asText()).isEqualTo("service_healthy");
        assertThat(connector.path("read_only").asBoolean()).isTrue();
        assertThat(ConfigValues.parseDuration(connector.path("stop_grace_period").asText()))
                .isGreaterThan(ConfigValues.parseDuration(env.path("SHUTDOWN_GRACE").asText()));
        assertThat(compose.path("services").path("postgres").path("healthcheck").isMissingNode()).isFalse();
    }

    @Test
    void composeGivesTheConnectorEveryHandlerSettingOfItsEnvFile() throws IOException {
        JsonNode connector = YAML.readTree(DEPLOY.resolve("compose/compose.yaml").toFile()).path("services").path("connector");
        assertThat(connector.path("env_file")).extracting(JsonNode::asText).containsExactly("connector.env");
        // compose.yaml's environment wins over the file: a handler's setting there would hide the file's.
        assertThat(names(connector.path("environment")))
                .noneMatch(name -> name.equals("HANDLERS") || name.startsWith("HLR_") || name.startsWith("LOG_HANDLER_"));

        Map<String, String> file = new java.util.LinkedHashMap<>();
        for (String line : Files.readAllLines(DEPLOY.resolve("compose/connector.env"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                file.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        assertThat(file).containsEntry("HANDLERS", "log");
        assertThat(file.keySet()).noneMatch(name -> SECRET.matcher(name).find());
    }

    @Test
    void cloudRunAnswersBeforeItsTimeoutKeepsAnInstanceAndReadsSecretFiles() throws IOException {
        JsonNode service = YAML.readTree(DEPLOY.resolve("cloud-run/service.yaml").toFile());
        JsonNode template = service.path("spec").path("template");
        JsonNode container = template.path("spec").path("containers").get(0);
        Map<String, String> env = new java.util.LinkedHashMap<>();
        container.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));

        assertThat(template.path("spec").path("timeoutSeconds").asInt()).as("above HLR_TIMEOUT and INFLIGHT_WAIT").isGreaterThan(15);
        assertThat(template.path("metadata").path("annotations").path("autoscaling.knative.dev/minScale").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(template.path("spec").path("containerConcurrency").asInt()).isBetween(1, 128);
        assertThat(env).containsEntry("STATE_STORE", "postgres").containsKeys("API_TOKEN_FILE", "STATE_DB_PASSWORD_FILE");
        assertThat(env.keySet()).noneMatch(name -> SECRET.matcher(name).find());
        List<String> mounts = new ArrayList<>();
        container.path("volumeMounts").forEach(m -> mounts.add(m.path("mountPath").asText()));
        assertThat(mounts).anyMatch(path -> env.get("API_TOKEN_FILE").startsWith(path + "/"));
    }

    @Test
    void appRunnerTakesSecretsFromSecretsManagerAndChecksHealth() throws IOException {
        JsonNode service = new ObjectMapper().readTree(DEPLOY.resolve("app-runner/service.json").toFile());
        JsonNode image = service.path("SourceConfiguration").path("ImageRepository").path("ImageConfiguration");

        assertThat(image.path("RuntimeEnvironmentVariables").path("STATE_STORE").asText()).isEqualTo("postgres");
        assertThat(names(image.path("RuntimeEnvironmentVariables"))).noneMatch(name -> SECRET.matcher(name).find());
        assertThat(names(image.path("RuntimeEnvironmentSecrets"))).contains("API_TOKEN", "STATE_DB_PASSWORD");
        image.path("RuntimeEnvironmentSecrets").forEach(arn -> assertThat(arn.asText()).startsWith("arn:aws:secretsmanager:"));
        assertThat(service.path("HealthCheckConfiguration").path("Path").asText()).isEqualTo("/health");
        assertThat(image.path("Port").asText()).isEqualTo("8080");
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static HasMetadata typed(JsonNode document) throws IOException {
        String kind = document.path("kind").asText();
        Class<? extends HasMetadata> type = switch (kind) {
            case "Deployment" -> Deployment.class;
            case "Service" -> Service.class;
            case "PodDisruptionBudget" -> PodDisruptionBudget.class;
            case "Secret" -> Secret.class;
            default -> throw new AssertionError("a kind this test does not know: " + kind);
        };
        return KUBERNETES.treeToValue(document, type);
    }

    /** Fields that landed in no property of fabric8's model (its additionalProperties), with their paths. */
    private static List<String> unknownFields(Object value, String path) {
        List<String> unknown = new ArrayList<>();
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                unknown.addAll(unknownFields(item, path + "[" + i++ + "]"));
            }
        } else if (value instanceof Map<?, ?> map) {
            map.forEach((key, item) -> unknown.addAll(unknownFields(item, path + "." + key)));
        } else if (value instanceof KubernetesResource) {
            try {
                for (PropertyDescriptor property : Introspector.getBeanInfo(value.getClass(), Object.class).getPropertyDescriptors()) {
                    Method read = property.getReadMethod();
                    if (read == null) {
                        continue;
                    }
                    Object child = read.invoke(value);
                    if (property.getName().equals("additionalProperties")) {
                        ((Map<?, ?>) child).keySet().forEach(key -> unknown.add(path + "." + key));
                    } else {
                        unknown.addAll(unknownFields(child, path + "." + property.getName()));
                    }
                }
            } catch (ReflectiveOperationException | java.beans.IntrospectionException e) {
                throw new AssertionError(e);
            }
        }
        return unknown;
    }

    private static <T extends HasMetadata> T one(Class<T> type) {
        List<T> found = kubernetes.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(found).as("one %s", type.getSimpleName()).hasSize(1);
        return found.get(0);
    }

    private static PodSpec podSpec() {
        return one(Deployment.class).getSpec().getTemplate().getSpec();
    }

    private static Container container() {
        return podSpec().getContainers().get(0);
    }

    private static Map<String, EnvVar> env(Container container) {
        Map<String, EnvVar> env = new java.util.LinkedHashMap<>();
        container.getEnv().forEach(variable -> env.put(variable.getName(), variable));
        return env;
    }
}
