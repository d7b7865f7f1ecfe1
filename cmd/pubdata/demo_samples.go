package main

import (
	"bytes"
	"embed"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/datafile"
)

// demoSamples are public data files (see demodata/README.md) that the demo loads through
// the real file loader, as a department's upload would be.
//
//go:embed demodata/*.csv
var demoSamples embed.FS

// demoSampleFiles are the sample files and the entries they load into.
var demoSampleFiles = []struct{ Code, File string }{
	{"105002/00001", "beijing-air-quality-aotizhongxin-2013-03_04.csv"},
	{"105002/00002", "enterprise-registration-beijing-1990.csv"},
	{"105002/00002", "enterprise-registration-shanghai-1986.csv"},
}

// demoSampleLoads returns the batches of the sample files: read with datafile.Open, bad
// rows skipped and reported in the batch (the air-quality file writes missing readings NA).
func demoSampleLoads() []demoLoad {
	var out []demoLoad
	for _, s := range demoSampleFiles {
		out = append(out, demoLoad{Code: s.Code, Key: "demo:" + s.File, Format: string(datafile.CSV), FileName: s.File,
			OnError: pubdata.OnErrorSkip, Source: func(items []pubdata.Item) (pubdata.RowSource, error) {
				b, err := demoSamples.ReadFile("demodata/" + s.File)
				if err != nil {
					return nil, err
				}
				return datafile.Open(bytes.NewReader(b), datafile.CSV, items, datafile.Options{Size: int64(len(b))})
			}})
	}
	return out
}
