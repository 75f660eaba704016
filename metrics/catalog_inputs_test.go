package metrics

import (
	"reflect"
	"slices"
	"testing"
)

// TestCountsFieldTable checks that Fields and CountsFieldNames are one
// table: the i-th pointer is the i-th struct field, named by its JSON tag.
func TestCountsFieldTable(t *testing.T) {
	var c Counts
	rv := reflect.ValueOf(&c).Elem()
	names, fields := CountsFieldNames(), c.Fields()
	if len(names) != rv.NumField() || len(fields) != rv.NumField() {
		t.Fatalf("%d names and %d pointers for %d fields", len(names), len(fields), rv.NumField())
	}
	seen := map[string]bool{}
	for i, name := range names {
		if name == "" || seen[name] {
			t.Errorf("field %d: name %q empty or repeated", i, name)
		}
		seen[name] = true
		if got, want := fields[i], rv.Field(i).Addr().Interface().(*int64); got != want {
			t.Errorf("Fields()[%d] is not %s", i, rv.Type().Field(i).Name)
		}
		if p, ok := c.Field(name); !ok || p != fields[i] {
			t.Errorf("Field(%q) is not Fields()[%d]", name, i)
		}
		if j, ok := CountsFieldIndex(name); !ok || j != i {
			t.Errorf("CountsFieldIndex(%q) = %d, %v, want %d", name, j, ok, i)
		}
	}
	if _, ok := c.Field("no_such_field"); ok {
		t.Error("Field of an unknown name is ok")
	}
}

// TestCatalogInputs checks that every input of every metric names a
// Counts field, and every Counts field is read by a metric or listed as
// internal.
func TestCatalogInputs(t *testing.T) {
	read := map[string]bool{}
	var c Counts
	for _, d := range defs() {
		if len(d.inputs) == 0 || d.compute == nil {
			t.Errorf("%s: no inputs or no compute", d.id)
		}
		for i, in := range d.inputs {
			if _, ok := c.Field(in); !ok {
				t.Errorf("%s: input %q is no Counts field (want one of %v)", d.id, in, CountsFieldNames())
			}
			if slices.Contains(d.inputs[:i], in) {
				t.Errorf("%s: input %q listed twice", d.id, in)
			}
			read[in] = true
		}
	}
	for _, name := range internalCounts {
		if read[name] {
			t.Errorf("%s is read by a metric but listed as internal", name)
		}
		read[name] = true
	}
	for _, name := range CountsFieldNames() {
		if !read[name] {
			t.Errorf("Counts field %s is read by no metric and not listed in internalCounts", name)
		}
	}
}

// TestComputeReadsInputs checks each entry's compute against its inputs:
// a change of any other field leaves the value alone, a change of an
// input changes it.
func TestComputeReadsInputs(t *testing.T) {
	cfg := Default()
	if cfg.ShortAbandonS == 0 {
		t.Fatal("the default config must count short abandons for this test")
	}
	base := sampleCounts()
	for _, d := range defs() {
		want := d.compute(base, cfg)
		for _, name := range CountsFieldNames() {
			c := base
			p, _ := c.Field(name)
			*p += 7
			changed := !reflect.DeepEqual(d.compute(c, cfg), want)
			if in := slices.Contains(d.inputs, name); in != changed {
				t.Errorf("%s: input %v, but a change of %s changes the value: %v", d.id, in, name, changed)
			}
		}
	}
}

// TestQueueFields checks queueFields against QueueFields and QueueMetric
// against the catalog.
func TestQueueFields(t *testing.T) {
	var all Counts
	for _, p := range all.Fields() {
		*p = 1
	}
	q, rest := all.QueueFields(), all.WithoutQueueFields()
	for _, name := range CountsFieldNames() {
		pq, _ := q.Field(name)
		pr, _ := rest.Field(name)
		if want := slices.Contains(queueFields, name); (*pq == 1) != want || (*pr == 0) != want {
			t.Errorf("%s: queue field %v, QueueFields %d, WithoutQueueFields %d", name, want, *pq, *pr)
		}
	}
	var got []string
	for _, id := range IDs() {
		if QueueMetric(id) {
			got = append(got, id)
		}
	}
	if want := []string{IDOffered, IDASA, IDServiceLevel, IDAbandonRate}; !slices.Equal(got, want) {
		t.Errorf("queue metrics %v, want %v", got, want)
	}
}
