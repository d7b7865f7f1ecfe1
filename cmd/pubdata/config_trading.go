package main

import (
	"fmt"
	"strconv"

	"github.com/pubdata/pubdata"
)

// The trade gate's settings (issue 16 item 5): trade_risk_threshold (PUBDATA_TRADE_RISK_THRESHOLD)
// and trade_min_k (PUBDATA_TRADE_MIN_K).

// applyTradeFile reads the trade settings of a config file.
func (c *Config) applyTradeFile(f *fileConfig) {
	if f.TradeRiskThreshold != nil {
		c.TradeRiskThreshold = *f.TradeRiskThreshold
	}
	if f.TradeMinK != nil {
		c.TradeMinK = *f.TradeMinK
	}
}

// applyTradeEnv reads PUBDATA_TRADE_RISK_THRESHOLD and PUBDATA_TRADE_MIN_K.
func (c *Config) applyTradeEnv(get func(string) (string, bool)) error {
	if v, ok := get("PUBDATA_TRADE_RISK_THRESHOLD"); ok {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("environment PUBDATA_TRADE_RISK_THRESHOLD: %q is not a number like 0.2", v)
		}
		c.TradeRiskThreshold = f
	}
	if v, ok := get("PUBDATA_TRADE_MIN_K"); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("environment PUBDATA_TRADE_MIN_K: %q is not a whole number", v)
		}
		c.TradeMinK = n
	}
	return nil
}

// TradeSettings are the gate's thresholds.
func (c *Config) TradeSettings() pubdata.TradeSettings {
	return pubdata.TradeSettings{RiskThreshold: c.TradeRiskThreshold, MinK: c.TradeMinK}
}

// validateTrade checks the gate's thresholds.
func (c *Config) validateTrade() error {
	if !(c.TradeRiskThreshold > 0 && c.TradeRiskThreshold <= 1) {
		return fmt.Errorf("setting trade_risk_threshold (PUBDATA_TRADE_RISK_THRESHOLD): %g must be above 0 and at most 1 (the highest prosecutor re-identification risk of a listed product)", c.TradeRiskThreshold)
	}
	if c.TradeMinK < 1 || c.TradeMinK > 1000 {
		return fmt.Errorf("setting trade_min_k (PUBDATA_TRADE_MIN_K): %d must be 1 to 1000", c.TradeMinK)
	}
	return nil
}
