package http

func (s *Server) registerConsoleEntries() {}
