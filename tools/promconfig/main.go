// Command promconfig prints the Prometheus configuration that the pinned prometheus-operator writes for
// one Prometheus object and the monitors it selects. It runs the operator's own packages: namespace and
// label selection, validation (a rejected monitor fails the run, naming it and the reason) and the config
// generator. Nothing talks to a cluster: the objects come from YAML files. What the API server would do on
// create is done here: each monitoring object gets its CRD schema's defaults (so CRDs must be among the
// inputs), an unknown field is an error, and every namespace the objects name gets the automatic
// kubernetes.io/metadata.name label that namespace selectors read.
//
// Usage: promconfig [-endpointslice] file.yaml|dir ...   (multi-document YAML; other kinds are ignored)
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	monitoringv1alpha1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1alpha1"
	"github.com/prometheus-operator/prometheus-operator/pkg/assets"
	"github.com/prometheus-operator/prometheus-operator/pkg/operator"
	prompkg "github.com/prometheus-operator/prometheus-operator/pkg/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	apiextensionsinternal "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	"sigs.k8s.io/yaml"
)

// objects holds what the files declare, by kind.
type objects struct {
	prometheus    []*monitoringv1.Prometheus
	sMons         []*monitoringv1.ServiceMonitor
	pMons         []*monitoringv1.PodMonitor
	probes        []*monitoringv1.Probe
	scrapeConfigs []*monitoringv1alpha1.ScrapeConfig
	namespaces    map[string]bool
	// Structural schemas by apiVersion/kind, from the CRDs among the inputs.
	schemas map[string]*structuralschema.Structural
	// Monitoring documents, decoded once every CRD is known.
	pending []document
}

type document struct {
	file, kind, namespace, name string
	raw                         []byte
}

func addCRD(doc []byte, file string, into *objects) error {
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.Unmarshal(doc, crd); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	for _, v := range crd.Spec.Versions {
		if v.Schema == nil {
			continue
		}
		internal := &apiextensionsinternal.CustomResourceValidation{}
		if err := apiextensionsv1.Convert_v1_CustomResourceValidation_To_apiextensions_CustomResourceValidation(v.Schema, internal, nil); err != nil {
			return fmt.Errorf("%s: CRD %s %s: %w", file, crd.Name, v.Name, err)
		}
		structural, err := structuralschema.NewStructural(internal.OpenAPIV3Schema)
		if err != nil {
			return fmt.Errorf("%s: CRD %s %s: %w", file, crd.Name, v.Name, err)
		}
		into.schemas[crd.Spec.Group+"/"+v.Name+"/"+crd.Spec.Names.Kind] = structural
	}
	return nil
}

// decode applies the CRD's defaults, as the API server does on create, then decodes strictly.
func decode[T any](d document, schemas map[string]*structuralschema.Structural) (*T, error) {
	schema := schemas[d.kind]
	if schema == nil {
		return nil, fmt.Errorf("%s: no CustomResourceDefinition among the inputs serves %s", d.file, d.kind)
	}
	var generic map[string]any
	if err := yaml.Unmarshal(d.raw, &generic); err != nil {
		return nil, fmt.Errorf("%s: %w", d.file, err)
	}
	defaulting.Default(generic, schema)
	defaulted, err := yaml.Marshal(generic)
	if err != nil {
		return nil, err
	}
	obj := new(T)
	if err := yaml.UnmarshalStrict(defaulted, obj); err != nil {
		return nil, fmt.Errorf("%s: %s %s/%s: %w", d.file, d.kind, d.namespace, d.name, err)
	}
	return obj, nil
}

// files expands folders into their YAML files, in name order.
func files(args []string) ([]string, error) {
	var out []string
	for _, arg := range args {
		info, err := os.Stat(arg)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			out = append(out, arg)
			continue
		}
		matches, err := filepath.Glob(filepath.Join(arg, "*.yaml"))
		if err != nil {
			return nil, err
		}
		sort.Strings(matches)
		out = append(out, matches...)
	}
	return out, nil
}

func read(file string, into *objects) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		var meta struct {
			metav1.TypeMeta   `json:",inline"`
			metav1.ObjectMeta `json:"metadata"`
		}
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		if meta.Namespace != "" {
			into.namespaces[meta.Namespace] = true
		}
		switch kind := meta.APIVersion + "/" + meta.Kind; kind {
		case "v1/Namespace":
			into.namespaces[meta.Name] = true
		case "apiextensions.k8s.io/v1/CustomResourceDefinition":
			if err := addCRD(doc, file, into); err != nil {
				return err
			}
		case "monitoring.coreos.com/v1/Prometheus", "monitoring.coreos.com/v1/ServiceMonitor", "monitoring.coreos.com/v1/PodMonitor",
			"monitoring.coreos.com/v1/Probe", "monitoring.coreos.com/v1alpha1/ScrapeConfig":
			into.pending = append(into.pending, document{file: file, kind: kind, namespace: meta.Namespace, name: meta.Name, raw: doc})
		}
	}
}

// collect decodes d as a T and appends it to list.
func collect[T any](d document, schemas map[string]*structuralschema.Structural, list *[]*T) error {
	o, err := decode[T](d, schemas)
	if err == nil {
		*list = append(*list, o)
	}
	return err
}

func decodeAll(into *objects) error {
	for _, d := range into.pending {
		var err error
		switch d.kind {
		case "monitoring.coreos.com/v1/Prometheus":
			err = collect(d, into.schemas, &into.prometheus)
		case "monitoring.coreos.com/v1/ServiceMonitor":
			err = collect(d, into.schemas, &into.sMons)
		case "monitoring.coreos.com/v1/PodMonitor":
			err = collect(d, into.schemas, &into.pMons)
		case "monitoring.coreos.com/v1/Probe":
			err = collect(d, into.schemas, &into.probes)
		case "monitoring.coreos.com/v1alpha1/ScrapeConfig":
			err = collect(d, into.schemas, &into.scrapeConfigs)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// lister answers the operator's per-namespace, label-selected list calls from the decoded objects.
func lister[T metav1.Object](items []T) prompkg.ListAllByNamespaceFn {
	return func(namespace string, selector labels.Selector, appendFn cache.AppendFunc) error {
		for _, item := range items {
			if item.GetNamespace() == namespace && selector.Matches(labels.Set(item.GetLabels())) {
				appendFn(item)
			}
		}
		return nil
	}
}

// rejected names every selected object the operator refused, with its reason.
func rejected[T operator.ConfigurationResource](kind string, selection operator.TypedResourcesSelection[T]) []string {
	var out []string
	for key, res := range selection {
		for _, c := range res.Conditions() {
			if c.Type == monitoringv1.Accepted && c.Status != monitoringv1.ConditionTrue {
				out = append(out, fmt.Sprintf("%s %s: %s", kind, key, c.Message))
			}
		}
	}
	return out
}

func run(args []string, endpointSlice bool) ([]byte, error) {
	in := objects{namespaces: map[string]bool{}, schemas: map[string]*structuralschema.Structural{}}
	inputs, err := files(args)
	if err != nil {
		return nil, err
	}
	for _, file := range inputs {
		if err := read(file, &in); err != nil {
			return nil, err
		}
	}
	if err := decodeAll(&in); err != nil {
		return nil, err
	}
	if len(in.prometheus) != 1 {
		return nil, fmt.Errorf("expected exactly one monitoring.coreos.com/v1 Prometheus in %s, got %d", strings.Join(args, ", "), len(in.prometheus))
	}
	p := in.prometheus[0]

	// The namespace selectors read the API server's automatic name label, so every namespace gets it.
	namespaces := cache.NewSharedIndexInformer(&cache.ListWatch{}, &corev1.Namespace{}, 0, cache.Indexers{})
	for name := range in.namespaces {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelMetadataName: name}}}
		if err := namespaces.GetStore().Add(ns); err != nil {
			return nil, err
		}
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	client := fake.NewClientset()
	store := assets.NewStoreBuilder(client.CoreV1(), client.CoreV1())
	selector, err := prompkg.NewResourceSelector(logger, p, store, namespaces, operator.NewMetrics(prometheus.NewRegistry()), operator.NewFakeRecorder(100, p))
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	sMons, err := selector.SelectServiceMonitors(ctx, lister(in.sMons))
	if err != nil {
		return nil, fmt.Errorf("selecting ServiceMonitors: %w", err)
	}
	pMons, err := selector.SelectPodMonitors(ctx, lister(in.pMons))
	if err != nil {
		return nil, fmt.Errorf("selecting PodMonitors: %w", err)
	}
	probes, err := selector.SelectProbes(ctx, lister(in.probes))
	if err != nil {
		return nil, fmt.Errorf("selecting Probes: %w", err)
	}
	scrapeConfigs, err := selector.SelectScrapeConfigs(ctx, lister(in.scrapeConfigs))
	if err != nil {
		return nil, fmt.Errorf("selecting ScrapeConfigs: %w", err)
	}
	var refused []string
	refused = append(refused, rejected("ServiceMonitor", sMons)...)
	refused = append(refused, rejected("PodMonitor", pMons)...)
	refused = append(refused, rejected("Probe", probes)...)
	refused = append(refused, rejected("ScrapeConfig", scrapeConfigs)...)
	if len(refused) > 0 {
		sort.Strings(refused)
		return nil, fmt.Errorf("the operator rejects %d object(s):\n  %s", len(refused), strings.Join(refused, "\n  "))
	}

	// The feature gates at the operator's defaults, as the deployed operator runs (it sets no --feature-gates).
	gates := operator.DefaultConfig("0", "0").Gates // the quantities are the reloader's, unused here
	var opts []prompkg.ConfigGeneratorOption
	if endpointSlice {
		opts = append(opts, prompkg.WithEndpointSliceSupport())
	}
	if gates.Enabled(operator.PrometheusShardRetentionPolicyFeature) {
		opts = append(opts, prompkg.WithPrometheusRetentionPolicies())
	}
	if gates.Enabled(operator.PrometheusTopologyShardingFeature) {
		opts = append(opts, prompkg.WithPrometheusTopologySharding())
	}
	generator, err := prompkg.NewConfigGenerator(logger, p, opts...)
	if err != nil {
		return nil, err
	}
	// The operator names its first rule ConfigMap this way (prometheus-<name>-rulefiles-0).
	rules := []string{fmt.Sprintf("prometheus-%s-rulefiles-0", p.Name)}
	return generator.GenerateServerConfiguration(p, sMons.ValidResources(), pMons.ValidResources(), probes.ValidResources(), scrapeConfigs.ValidResources(), store, nil, nil, nil, rules)
}

func main() {
	endpointSlice := flag.Bool("endpointslice", false, "discover targets through EndpointSlices, as the operator does on Kubernetes 1.21 and newer when the Prometheus asks for it")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: promconfig [-endpointslice] file.yaml ...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	out, err := run(flag.Args(), *endpointSlice)
	if err != nil {
		fmt.Fprintf(os.Stderr, "promconfig: %v\n", err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}
