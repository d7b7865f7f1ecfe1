package main

import "testing"

// TestSizeFor checks the sizing arithmetic (no timing: the measure is given).
func TestSizeFor(t *testing.T) {
	m := sizeMeasure{LoadRate: 10000, ReadRate: 1000, BytesPerRow: 500, Reads: 1000, ReadCPU: 1, ServerCPU: 1, Rows: 1000, LoadCPU: 0.1}
	s := sizeFor(m, defaultSizeTarget())
	// 70e9 × 0.8 / (250 × 10 × 3600) = 6222.2/s; × 3 = 18666.7/s; ÷ (1000 × 0.5) → 38.
	if s.CallsPeak < 18666 || s.CallsPeak > 18667 || s.ReadNodes != 38 {
		t.Fatalf("reads %+v", s)
	}
	// 80e9 / (30 × 86400) = 30864/s ÷ 5000 → 7; 80e9 × 500 × 2 / 1e12 = 80 TB ÷ 2 → 40.
	if s.LoadNodes != 7 || s.DiskTB != 80 || s.DiskNode != 40 || s.Nodes != 40 {
		t.Fatalf("loads and disk %+v", s)
	}
	// CPU: 2 ms a read × 18667/s = 37.3 cores ÷ 8 → 5; 0.1 ms a row × 30864/s = 3.1 cores ÷ 8 → 1.
	if s.ReadCPUNodes != 5 || s.LoadCPUNodes != 1 {
		t.Fatalf("cpu %+v", s)
	}
	if s := sizeFor(sizeMeasure{LoadRate: 1, ReadRate: 1}, defaultSizeTarget()); s.DiskTB != 0 || s.DiskNode != 0 {
		t.Fatalf("unknown bytes %+v", s)
	}
}
