// Package deploy_test checks the deployment files offline: the Kubernetes
// manifests decode strictly into the real API types and hang together, the
// systemd unit passes systemd-analyze, the Dockerfile has its stages and
// `make image` behaves without an engine. Every command line in them is run
// through the real cutover binary's flag parsing.
//
// The Kubernetes types are a test-only import of the main module: the
// binary does not link them (go build ./cmd/cutover never compiles them),
// and `go test ./...` (make test, CI) runs this with everything else. A
// separate module under deploy/ would need its own go.sum kept in step
// with every dependency the main module adds.
package deploy_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/cutover/cutover/internal/config"
)

const testVersion = "0.0.0-deploytest"

// binPath is the cutover binary built once for the whole package.
var binPath string // set once in TestMain, before any test; read-only after

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cutover-deploy-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "cutover")
	// The same -X names the Dockerfile and the Makefile set.
	build := exec.Command("go", "build", "-ldflags", "-X main.version="+testVersion+" -X main.revision=deploytest", "-o", binPath, "../cmd/cutover")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build cutover:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// requireCutoverArgs checks that cutover accepts args (a command and its
// flags) by parsing them with -h appended: the flags before it are parsed
// for real, and -h stops before anything connects anywhere.
func requireCutoverArgs(t *testing.T, where string, args []string) {
	t.Helper()
	require.NotEmpty(t, args, where)
	out, err := exec.Command(binPath, append(slices.Clone(args), "-h")...).CombinedOutput()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, where)
		code = ee.ExitCode()
	}
	require.Contains(t, []int{0, 2}, code, "%s: cutover %s: %s", where, strings.Join(args, " "), out)
	for _, bad := range []string{"flag provided but not defined", "unknown command", "invalid value", "invalid boolean", "unexpected argument"} {
		require.NotContains(t, string(out), bad, "%s: cutover %s", where, strings.Join(args, " "))
	}
	require.Contains(t, string(out), "\nusage: cutover "+args[0], "%s: cutover %s: the command's flags were not reached", where, strings.Join(args, " "))
}

func TestBinaryVersion(t *testing.T) {
	out, err := exec.Command(binPath, "version").CombinedOutput()
	require.NoError(t, err, string(out))
	require.Contains(t, string(out), testVersion, "main.version, set by -X in the Dockerfile and the Makefile")
}

// manifests are the Kubernetes objects of deploy/kubernetes, by kind.
type manifests struct {
	configMaps map[string]*corev1.ConfigMap
	secrets    map[string]*corev1.Secret
	services   map[string]*corev1.Service
	jobs       map[string]*batchv1.Job
}

// loadManifests decodes every document of every YAML file strictly: an
// unknown or misspelt field, a duplicate key or an unknown kind is an error.
func loadManifests(t *testing.T) manifests {
	t.Helper()
	m := manifests{configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{},
		services: map[string]*corev1.Service{}, jobs: map[string]*batchv1.Job{}}
	files, err := filepath.Glob("kubernetes/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	sep := regexp.MustCompile(`(?m)^---[ \t]*$`)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		for i, doc := range sep.Split(string(raw), -1) {
			where := fmt.Sprintf("%s document %d", f, i+1)
			var tm metav1.TypeMeta
			require.NoError(t, yaml.Unmarshal([]byte(doc), &tm), where)
			if tm.Kind == "" && strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			var name string
			switch tm.APIVersion + " " + tm.Kind {
			case "v1 ConfigMap":
				var o corev1.ConfigMap
				require.NoError(t, yaml.UnmarshalStrict([]byte(doc), &o), where)
				name = o.Name
				m.configMaps[name] = &o
			case "v1 Secret":
				var o corev1.Secret
				require.NoError(t, yaml.UnmarshalStrict([]byte(doc), &o), where)
				name = o.Name
				m.secrets[name] = &o
			case "v1 Service":
				var o corev1.Service
				require.NoError(t, yaml.UnmarshalStrict([]byte(doc), &o), where)
				name = o.Name
				m.services[name] = &o
			case "batch/v1 Job":
				var o batchv1.Job
				require.NoError(t, yaml.UnmarshalStrict([]byte(doc), &o), where)
				name = o.Name
				m.jobs[name] = &o
			default:
				t.Fatalf("%s: unexpected %s %s", where, tm.APIVersion, tm.Kind)
			}
			require.NotEmpty(t, name, "%s: no metadata.name", where)
		}
	}
	return m
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// requirePod checks one pod spec against the other objects: Secrets and
// keys exist, ConfigMaps and keys exist, the --config path is a mounted
// ConfigMap key whose config parses with the pod's environment, and every
// container's command line is one cutover accepts.
func requirePod(t *testing.T, m manifests, where string, spec *corev1.PodSpec, image string) {
	t.Helper()
	for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
		w := where + " container " + c.Name
		require.Equal(t, image, c.Image, "%s: every pod runs the same image (the same binary on every host)", w)
		require.Empty(t, c.Command, "%s: the image's entrypoint is cutover; give its arguments as args", w)
		env := map[string]string{}
		for _, e := range c.Env {
			if e.ValueFrom == nil {
				env[e.Name] = e.Value
				continue
			}
			ref := e.ValueFrom.SecretKeyRef
			require.NotNil(t, ref, "%s: env %s comes from something other than a Secret", w, e.Name)
			env[e.Name] = secretValue(t, m, w, ref.Name, ref.Key)
		}
		for _, ef := range c.EnvFrom {
			require.NotNil(t, ef.SecretRef, "%s: envFrom other than a Secret", w)
			s, ok := m.secrets[ef.SecretRef.Name]
			require.True(t, ok, "%s: Secret %s is not defined", w, ef.SecretRef.Name)
			for k, v := range s.StringData {
				env[ef.Prefix+k] = v
			}
		}
		requireCutoverArgs(t, w, c.Args)
		i := slices.Index(c.Args, "--config")
		require.GreaterOrEqual(t, i, 0, "%s: no --config", w)
		require.Less(t, i+1, len(c.Args), w)
		text := configAt(t, m, w, spec, c, c.Args[i+1])
		_, err := config.Parse([]byte(text), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		require.NoError(t, err, "%s: the config as this container sees it", w)
	}
}

func secretValue(t *testing.T, m manifests, where, name, key string) string {
	t.Helper()
	s, ok := m.secrets[name]
	require.True(t, ok, "%s: Secret %s is not defined", where, name)
	if v, ok := s.StringData[key]; ok {
		return v
	}
	v, ok := s.Data[key]
	require.True(t, ok, "%s: Secret %s has no key %s", where, name, key)
	return string(v)
}

// configAt returns the ConfigMap entry that path is in container c.
func configAt(t *testing.T, m manifests, where string, spec *corev1.PodSpec, c corev1.Container, path string) string {
	t.Helper()
	for _, vm := range c.VolumeMounts {
		rel, ok := strings.CutPrefix(path, strings.TrimSuffix(vm.MountPath, "/")+"/")
		if !ok {
			continue
		}
		i := slices.IndexFunc(spec.Volumes, func(v corev1.Volume) bool { return v.Name == vm.Name })
		require.GreaterOrEqual(t, i, 0, "%s: volume %s is not defined", where, vm.Name)
		cmv := spec.Volumes[i].ConfigMap
		require.NotNil(t, cmv, "%s: %s is not a ConfigMap volume", where, vm.Name)
		cm, ok := m.configMaps[cmv.Name]
		require.True(t, ok, "%s: ConfigMap %s is not defined", where, cmv.Name)
		key := rel
		if len(cmv.Items) > 0 {
			j := slices.IndexFunc(cmv.Items, func(it corev1.KeyToPath) bool { return it.Path == rel })
			require.GreaterOrEqual(t, j, 0, "%s: volume %s maps no key to %s", where, vm.Name, rel)
			key = cmv.Items[j].Key
		}
		text, ok := cm.Data[key]
		require.True(t, ok, "%s: ConfigMap %s has no key %s", where, cmv.Name, key)
		return text
	}
	t.Fatalf("%s: --config %s is in no mounted volume", where, path)
	return ""
}

func TestKubernetesManifests(t *testing.T) {
	m := loadManifests(t)
	run, ok := m.jobs["cutover-run"]
	require.True(t, ok, "the run Job")
	plan, ok := m.jobs["cutover-plan"]
	require.True(t, ok, "the plan Job")
	image := run.Spec.Template.Spec.Containers[0].Image

	t.Run("run job", func(t *testing.T) {
		s := run.Spec
		require.NotNil(t, s.CompletionMode)
		require.Equal(t, batchv1.IndexedCompletion, *s.CompletionMode)
		require.NotNil(t, s.Completions)
		require.NotNil(t, s.Parallelism)
		require.Equal(t, *s.Completions, *s.Parallelism, "every pod of the run starts at once")
		require.Greater(t, *s.Completions, int32(1))
		require.NotNil(t, s.BackoffLimitPerIndex, "a crashed pod is resumable: retry its index")
		require.Equal(t, corev1.RestartPolicyNever, s.Template.Spec.RestartPolicy)
		require.Len(t, s.Template.Spec.Containers, 1)
		require.Equal(t, "run", s.Template.Spec.Containers[0].Args[0])
		// Exits 1, 2 and 3 are not retried: failed batches, refused, stopped.
		require.NotNil(t, s.PodFailurePolicy)
		var noRetry []int32
		for _, r := range s.PodFailurePolicy.Rules {
			if r.OnExitCodes != nil && r.Action == batchv1.PodFailurePolicyActionFailIndex {
				require.Equal(t, batchv1.PodFailurePolicyOnExitCodesOpIn, r.OnExitCodes.Operator)
				noRetry = append(noRetry, r.OnExitCodes.Values...)
			}
		}
		require.ElementsMatch(t, []int32{1, 2, 3}, noRetry)
		// The pods' grace outlasts the run's, so in-flight batches may commit.
		cfg := parsedConfig(t, m, "cutover-config", "cutover.yaml")
		require.NotNil(t, s.Template.Spec.TerminationGracePeriodSeconds)
		require.Greater(t, time.Duration(*s.Template.Spec.TerminationGracePeriodSeconds)*time.Second, cfg.Run.Grace.Duration)
		requirePod(t, m, "Job cutover-run", &s.Template.Spec, image)
		// The headless Service finds the run pods and their metrics port.
		svc, ok := m.services[s.Template.Spec.Subdomain]
		require.True(t, ok, "the Service named by the pods' subdomain")
		require.Equal(t, corev1.ClusterIPNone, svc.Spec.ClusterIP)
		for k, v := range svc.Spec.Selector {
			require.Equal(t, v, s.Template.Labels[k], "Service selector %s", k)
		}
		ports := s.Template.Spec.Containers[0].Ports
		for _, p := range svc.Spec.Ports {
			require.True(t, slices.ContainsFunc(ports, func(cp corev1.ContainerPort) bool { return cp.Name == p.TargetPort.String() }),
				"Service port %s targets no container port", p.Name)
		}
		args := s.Template.Spec.Containers[0].Args
		i := slices.Index(args, "--metrics-addr")
		require.GreaterOrEqual(t, i, 0)
		require.Equal(t, fmt.Sprintf(":%d", ports[0].ContainerPort), args[i+1])
		for _, c := range s.Template.Spec.TopologySpreadConstraints {
			for k, v := range c.LabelSelector.MatchLabels {
				require.Equal(t, v, s.Template.Labels[k], "spread selector %s", k)
			}
		}
	})
	t.Run("plan job", func(t *testing.T) {
		s := plan.Spec
		require.Nil(t, s.CompletionMode)
		require.Equal(t, corev1.RestartPolicyNever, s.Template.Spec.RestartPolicy)
		var cmds []string
		for _, c := range append(slices.Clone(s.Template.Spec.InitContainers), s.Template.Spec.Containers...) {
			cmds = append(cmds, c.Args[0])
		}
		require.Equal(t, []string{"preflight", "plan"}, cmds)
		requirePod(t, m, "Job cutover-plan", &s.Template.Spec, image)
	})
	t.Run("kubectl run one-liners", func(t *testing.T) {
		raw, err := os.ReadFile("kubernetes/README.md")
		require.NoError(t, err)
		line := regexp.MustCompile(`(?m)^kubectl -n cutover run (\S+) (.*) --image=(\S+) --overrides="\$\(cat (\S+)\)" -- (.*)$`)
		found := map[string]bool{}
		for _, l := range line.FindAllStringSubmatch(string(raw), -1) {
			name, flags, img, file, args := l[1], l[2], l[3], l[4], strings.Fields(l[5])
			require.Equal(t, image, img, l[0])
			require.Contains(t, flags, "--restart=Never", l[0])
			ov, err := os.ReadFile(filepath.Join("kubernetes", file))
			require.NoError(t, err)
			var pod corev1.Pod
			require.NoError(t, yaml.UnmarshalStrict(ov, &pod), file)
			// kubectl names the container after the pod; the overrides are
			// merged into it by name, else they would add a second container.
			require.Len(t, pod.Spec.Containers, 1, file)
			require.Equal(t, name, pod.Spec.Containers[0].Name, file)
			pod.Spec.Containers[0].Args = args
			requirePod(t, m, "kubectl run "+args[0], &pod.Spec, image)
			found[args[0]] = true
		}
		require.True(t, found["stop"], "a stop one-liner")
		require.True(t, found["status"], "a status one-liner")
	})
}

func parsedConfig(t *testing.T, m manifests, cmName, key string) *config.Config {
	t.Helper()
	cm, ok := m.configMaps[cmName]
	require.True(t, ok)
	cfg, err := config.Parse([]byte(cm.Data[key]), func(string) (string, bool) { return "placeholder", true })
	require.NoError(t, err)
	return cfg
}

// TestSystemdUnit verifies the unit with systemd-analyze (against the real
// binary) where systemd is installed, and its command line and restart
// rules everywhere.
func TestSystemdUnit(t *testing.T) {
	raw, err := os.ReadFile("systemd/cutover@.service")
	require.NoError(t, err)
	unit := string(raw)
	exec1 := regexp.MustCompile(`(?m)^ExecStart=(\S+) (.*)$`).FindStringSubmatch(unit)
	require.NotNil(t, exec1, "ExecStart")
	require.Equal(t, "/usr/local/bin/cutover", exec1[1])
	var args []string
	for _, a := range strings.Fields(exec1[2]) {
		if !strings.HasPrefix(a, "$") { // $CUTOVER_RUN_FLAGS, from the env file
			args = append(args, strings.ReplaceAll(a, "%i", "night"))
		}
	}
	requireCutoverArgs(t, "systemd ExecStart", args)
	require.Regexp(t, `(?m)^RestartPreventExitStatus=1 2 3$`, unit, "exits 1, 2 and 3 are not restarted")
	require.Regexp(t, `(?m)^Restart=on-failure$`, unit)
	stop := regexp.MustCompile(`(?m)^TimeoutStopSec=(\d+)s$`).FindStringSubmatch(unit)
	require.NotNil(t, stop)
	secs, err := strconv.Atoi(stop[1])
	require.NoError(t, err)
	require.Greater(t, secs, 30, "longer than the default run.grace")

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed: the unit's syntax was not verified")
	}
	dir := t.TempDir()
	// The same unit with ExecStart on the binary just built (verify checks
	// that it exists and is executable).
	local := strings.Replace(unit, "ExecStart=/usr/local/bin/cutover", "ExecStart="+binPath, 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cutover@.service"), []byte(local), 0o644))
	cmd := exec.Command(analyze, "verify", filepath.Join(dir, "cutover@night.service"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	require.Empty(t, strings.TrimSpace(string(out)), "systemd-analyze verify")
}

// TestDockerfile checks what can be checked without an engine: the stages
// and what each one relies on.
func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile("../Dockerfile")
	require.NoError(t, err)
	type stage struct {
		base, name string
		lines      []string
	}
	var stages []stage
	var cont string
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") || strings.TrimSpace(l) == "" {
			continue
		}
		if s, ok := strings.CutSuffix(l, `\`); ok {
			cont += s
			continue
		}
		l, cont = cont+l, ""
		f := strings.Fields(l)
		if strings.EqualFold(f[0], "FROM") {
			require.Len(t, f, 4, "FROM IMAGE AS NAME: %q", l)
			require.True(t, strings.EqualFold(f[2], "AS"), l)
			stages = append(stages, stage{base: f[1], name: f[3]})
			continue
		}
		require.NotEmpty(t, stages, "an instruction before FROM: %q", l)
		stages[len(stages)-1].lines = append(stages[len(stages)-1].lines, l)
	}
	names := []string{}
	for _, s := range stages {
		names = append(names, s.name)
	}
	require.Equal(t, []string{"build", "instantclient", "runtime"}, names)
	all := func(s stage) string { return strings.Join(s.lines, "\n") }
	build, ic, rt := all(stages[0]), all(stages[1]), all(stages[2])

	require.Contains(t, build, "CGO_ENABLED=1", "godror needs cgo")
	require.Contains(t, build, "./cmd/cutover")
	require.Contains(t, build, "-X main.version=${VERSION} -X main.revision=${REVISION}")
	require.Regexp(t, `(?m)^ARG INSTANTCLIENT_ZIP=`, ic)
	require.Contains(t, ic, "COPY deploy/docker/instantclient/ ")
	require.FileExists(t, "docker/instantclient/README.md", "the COPY source exists even without a zip")
	require.Regexp(t, `slim`, stages[2].base, "a small runtime image")
	require.Contains(t, rt, "COPY --from=build /out/cutover /usr/local/bin/cutover")
	require.Contains(t, rt, "COPY --from=instantclient /opt/oracle/instantclient /opt/oracle/instantclient")
	require.Contains(t, rt, "libaio1", "the Instant Client needs libaio")
	require.Regexp(t, `(?m)^USER [1-9][0-9]*$`, rt, "a numeric non-root user (runAsNonRoot can check it)")
	require.Contains(t, rt, `ENTRYPOINT ["/usr/local/bin/cutover"]`)
	// The Kubernetes pods run as that user.
	uid := regexp.MustCompile(`(?m)^USER (\d+)$`).FindStringSubmatch(rt)[1]
	for _, f := range []string{"kubernetes/run-job.yaml", "kubernetes/plan-job.yaml", "kubernetes/ctl-overrides.json"} {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		require.Regexp(t, `runAsUser"?: `+uid+`\b`, string(b), f)
	}
	// .dockerignore keeps out what the build does not need, and nothing it does.
	ig, err := os.ReadFile("../.dockerignore")
	require.NoError(t, err)
	for _, l := range strings.Split(string(ig), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		for _, needed := range []string{"go.mod", "go.sum", "cmd", "internal", "deploy/docker", "deploy"} {
			require.NotEqual(t, needed, strings.Trim(l, "/"), ".dockerignore drops %s, which the build needs", needed)
		}
	}
	require.Contains(t, string(ig), ".git\n")
}

// TestMakeImage runs `make image` with no engine, with one that does not
// answer, and with a stand-in that records what it was asked to build.
func TestMakeImage(t *testing.T) {
	mk, err := exec.LookPath("make")
	if err != nil {
		t.Skip("make is not installed")
	}
	makeImage := func(path string, vars ...string) (string, error) {
		cmd := exec.Command(mk, append([]string{"-s", "-C", "..", "image"}, vars...)...)
		cmd.Env = []string{"PATH=" + path, "HOME=" + t.TempDir()}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Run("no engine", func(t *testing.T) {
		out, err := makeImage(t.TempDir())
		require.NoError(t, err, out)
		require.Equal(t, "make image: neither docker nor podman is installed; cutover:0.1.0-dev not built\n", out)
	})
	t.Run("engine not answering", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "docker"), []byte("#!/bin/sh\nexit 1\n"), 0o755))
		out, err := makeImage(dir)
		require.NoError(t, err, out)
		require.Equal(t, "make image: "+filepath.Join(dir, "docker")+" is installed but its engine does not answer; cutover:0.1.0-dev not built\n", out)
	})
	t.Run("engine", func(t *testing.T) {
		dir := t.TempDir()
		log := filepath.Join(dir, "calls")
		script := "#!/bin/sh\necho \"$@\" >> " + log + "\n"
		require.NoError(t, os.WriteFile(filepath.Join(dir, "podman"), []byte(script), 0o755))
		out, err := makeImage(dir, "IMAGE=registry.example.com/cutover:1.2.3", "INSTANTCLIENT_ZIP=ic.zip", "VERSION=1.2.3")
		require.NoError(t, err, out)
		calls, err := os.ReadFile(log)
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(string(calls)), "\n")
		require.Len(t, lines, 2, string(calls))
		require.Equal(t, "info", lines[0])
		build := strings.Fields(lines[1])
		require.Equal(t, "build", build[0])
		require.Equal(t, ".", build[len(build)-1])
		for _, want := range [][2]string{{"--build-arg", "VERSION=1.2.3"}, {"--build-arg", "INSTANTCLIENT_ZIP=ic.zip"}, {"-t", "registry.example.com/cutover:1.2.3"}} {
			require.True(t, containsPair(build, want), "%v in %q", want, lines[1])
		}
		require.True(t, slices.ContainsFunc(build, func(s string) bool { return strings.HasPrefix(s, "REVISION=") }), lines[1])
	})
}

func containsPair(s []string, p [2]string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == p[0] && s[i+1] == p[1] {
			return true
		}
	}
	return false
}
