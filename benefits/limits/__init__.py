"""Facility cost limits (負担限度額認定, 特定入所者介護サービス費): applications, decisions, certificates."""
