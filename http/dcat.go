package http

func (s *Server) registerDCAT() {}
